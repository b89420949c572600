// The activities service's rules for an activity (services/activities/schemas.py ActivityIn
// and CorrectionIn, lifecycle.activity_problems), in Chinese: each field's hint shown beside
// it, and the same checks before sending.
import type { components } from '../../api/schema/activities'

export type Activity = components['schemas']['ActivityOut']
export type ActivityBody = components['schemas']['ActivityIn']
export type CorrectionBody = components['schemas']['CorrectionIn']
export type ActivityStatus = Activity['status']

export interface ParticipantDraft {
  volunteer_id: string
  hours: number | null
}

/** One line of a name -> number map (beneficiary groups, outputs). */
export interface CountRow {
  name: string
  count: number | null
}

export interface ActivityDraft extends Record<string, unknown> {
  community_id: string
  team_id: string
  kind: string
  title: string
  /** Local wall-clock time, `YYYY-MM-DDTHH:mm:ss`; the offset is added when sending. */
  started_at: string
  ended_at: string
  location: string
  participants: ParticipantDraft[]
  people_served: number | null
  beneficiaries: CountRow[]
  outputs: CountRow[]
  /** A correction's reason (only when correcting). */
  reason: string
  /** The service order this activity served, when logged from one. */
  request_id: string
}

export const MAX_HOURS = 24
export const MAX_PARTICIPANTS = 500
export const MAX_PEOPLE = 1_000_000
export const MAX_OUTPUT = 1_000_000_000
export const MAX_ROWS = 20
export const LONGEST_HOURS = 24 * 31

export const STATUS_NAMES: Record<ActivityStatus, string> = {
  logged: '已登记',
  verified: '已核实',
  voided: '已作废',
}

export const STATUS_TAGS: Record<ActivityStatus, 'primary' | 'success' | 'info'> = {
  logged: 'primary',
  verified: 'success',
  voided: 'info',
}

export function blankActivity(community = ''): ActivityDraft {
  return {
    community_id: community,
    team_id: '',
    kind: '',
    title: '',
    started_at: '',
    ended_at: '',
    location: '',
    participants: [],
    people_served: null,
    beneficiaries: [],
    outputs: [],
    reason: '',
    request_id: '',
  }
}

export const HINTS: Record<string, string> = {
  community_id: '必选：您管辖范围内的社区；服务队和每位参与者都须属于这个社区。',
  team_id: '必选：该社区在册（未停用）的服务队，活动的颜色类别随服务队。队长只能登记本队的活动。',
  kind: '必选：活动类型，如 义诊、政策宣讲。',
  title: '必填，1–200 个字。',
  started_at: '必填：活动开始的日期和时间。',
  ended_at: '必填：须晚于开始时间，不能晚于现在（活动结束后再登记）；一次活动最长 31 天，更长的请分段登记。',
  location: '可不填；不超过 200 个字。',
  participants: `至少 1 人，最多 ${MAX_PARTICIPANTS} 人，每人只列一次，须是该社区在册的志愿者。`,
  hours: `每人服务时长大于 0、不超过 ${MAX_HOURS} 小时，且不超过活动时长；可填 0.5 这样的小数。`,
  people_served: '必填：服务群众人数，0 至 1,000,000 的整数。',
  beneficiaries: `可不填；最多 ${MAX_ROWS} 组，名称 1–40 个字，人数为整数；各组人数之和不能超过服务人数。`,
  outputs: `可不填；最多 ${MAX_ROWS} 项，名称 1–40 个字（如“发放宣传资料（份）”），数量 0 至 1,000,000,000。`,
  reason: '必填，1–500 个字：原活动将作废并注明这个原因，由更正后的活动代替。',
}

/** The activity's length in hours (NaN while a time is missing). */
export function lengthInHours(draft: Pick<ActivityDraft, 'started_at' | 'ended_at'>): number {
  if (!draft.started_at || !draft.ended_at) return Number.NaN
  return (Date.parse(draft.ended_at) - Date.parse(draft.started_at)) / 3_600_000
}

/** The hours a participant is given at first: the activity's length, at most 24, in quarter hours. */
export function defaultHours(draft: Pick<ActivityDraft, 'started_at' | 'ended_at'>): number | null {
  const length = lengthInHours(draft)
  if (!(length > 0)) return null
  return Math.max(0.25, Math.floor(Math.min(length, MAX_HOURS) * 4) / 4)
}

function rowsProblem(rows: CountRow[], max: number, integer: boolean): string | null {
  const used = rows.filter((r) => r.name.trim() !== '' || r.count !== null)
  if (used.length > MAX_ROWS) return `最多 ${MAX_ROWS} 项`
  const names = new Set<string>()
  for (const row of used) {
    const name = row.name.trim()
    if (!name) return '请填写名称'
    if (name.length > 40) return `“${name.slice(0, 10)}…”超过 40 个字`
    if (names.has(name)) return `“${name}”重复了`
    names.add(name)
    if (row.count === null) return `请填写“${name}”的数量`
    if (row.count < 0 || row.count > max) return `“${name}”的数量应在 0 至 ${max.toLocaleString('en-US')} 之间`
    if (integer && !Number.isInteger(row.count)) return `“${name}”的人数应为整数`
  }
  return null
}

/** What is wrong with one participant's line, in Chinese; null when it is fine. */
export function checkParticipant(draft: ActivityDraft, index: number): string | null {
  const participant = draft.participants[index]
  if (!participant) return null
  if (!participant.volunteer_id) return '请选择志愿者'
  if (draft.participants.findIndex((p) => p.volunteer_id === participant.volunteer_id) !== index) {
    return '该志愿者重复了'
  }
  const hours = participant.hours
  if (hours === null) return '请填写服务时长'
  if (!(hours > 0)) return '服务时长应大于 0'
  if (hours > MAX_HOURS) return `服务时长不能超过 ${MAX_HOURS} 小时`
  const length = lengthInHours(draft)
  if (length > 0 && hours > length + 1e-9) return `超过了活动时长（${length.toFixed(2)} 小时）`
  return null
}

/** What is wrong with one field of the draft, in Chinese; null when it is fine. */
export function checkActivityField(field: string, draft: ActivityDraft, now: Date = new Date()): string | null {
  switch (field) {
    case 'community_id':
      return draft.community_id ? null : '请选择社区'
    case 'team_id':
      return draft.team_id ? null : '请选择服务队'
    case 'kind':
      return draft.kind ? null : '请选择活动类型'
    case 'title': {
      const title = draft.title.trim()
      if (!title) return '请填写活动名称'
      return title.length > 200 ? '活动名称不能超过 200 个字' : null
    }
    case 'started_at':
      if (!draft.started_at) return '请选择开始时间'
      return Date.parse(draft.started_at) < Date.parse('1900-01-01T00:00:00') ? '时间不能早于 1900 年' : null
    case 'ended_at': {
      if (!draft.ended_at) return '请选择结束时间'
      const length = lengthInHours(draft)
      if (length <= 0) return '结束时间应晚于开始时间'
      if (Date.parse(draft.ended_at) > now.getTime()) return '结束时间不能晚于现在：活动结束后再登记'
      return length > LONGEST_HOURS ? '一次活动最长 31 天，更长的请分段登记' : null
    }
    case 'location':
      return draft.location.trim().length > 200 ? '地点不能超过 200 个字' : null
    case 'participants': {
      if (draft.participants.length === 0) return '请至少选择 1 位参与的志愿者'
      if (draft.participants.length > MAX_PARTICIPANTS) return `参与者最多 ${MAX_PARTICIPANTS} 人`
      const wrong = draft.participants.findIndex((_, i) => checkParticipant(draft, i) !== null)
      return wrong === -1 ? null : '请按每位参与者旁的提示修改'
    }
    case 'people_served': {
      const served = draft.people_served
      if (served === null) return '请填写服务人数'
      if (!Number.isInteger(served) || served < 0) return '服务人数应为 0 或正整数'
      return served > MAX_PEOPLE ? '服务人数不能超过 1,000,000' : null
    }
    case 'beneficiaries': {
      const problem = rowsProblem(draft.beneficiaries, MAX_PEOPLE, true)
      if (problem) return problem
      const sum = draft.beneficiaries.reduce((total, r) => total + (r.count ?? 0), 0)
      return draft.people_served !== null && sum > draft.people_served
        ? `各组人数之和（${sum}）超过了服务人数（${draft.people_served}）`
        : null
    }
    case 'outputs':
      return rowsProblem(draft.outputs, MAX_OUTPUT, false)
    case 'reason': {
      const reason = draft.reason.trim()
      if (!reason) return '请填写更正原因'
      return reason.length > 500 ? '更正原因不能超过 500 个字' : null
    }
    default:
      return null
  }
}

/** Every problem of the draft, by field (`participants.<i>` for a participant's line). */
export function activityProblems(draft: ActivityDraft, correcting: boolean, now: Date = new Date()): Record<string, string> {
  const fields = Object.keys(blankActivity()).filter((f) => f !== 'request_id' && (correcting || f !== 'reason'))
  const found: Record<string, string> = {}
  for (const field of fields) {
    const problem = checkActivityField(field, draft, now)
    if (problem) found[field] = problem
  }
  draft.participants.forEach((_, i) => {
    const problem = checkParticipant(draft, i)
    if (problem) found[`participants.${i}`] = problem
  })
  return found
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0')
}

/** A local wall-clock time (`YYYY-MM-DDTHH:mm[:ss]`) with its UTC offset, as RFC 3339 wants. */
export function withOffset(local: string, offsetMinutes: number = -new Date(local).getTimezoneOffset()): string {
  const seconds = local.length === 16 ? `${local}:00` : local
  const sign = offsetMinutes < 0 ? '-' : '+'
  return `${seconds}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`
}

/** An RFC 3339 time as the local wall-clock time the date picker holds. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso)
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

function counts(rows: CountRow[]): Record<string, number> {
  const map: Record<string, number> = {}
  for (const row of rows) {
    const name = row.name.trim()
    if (name && row.count !== null) map[name] = row.count
  }
  return map
}

/** The POST /activities body: optional fields left out when empty. */
export function activityBody(draft: ActivityDraft): ActivityBody {
  const body: ActivityBody = {
    community_id: draft.community_id,
    team_id: draft.team_id,
    kind: draft.kind,
    title: draft.title.trim(),
    started_at: withOffset(draft.started_at),
    ended_at: withOffset(draft.ended_at),
    location: draft.location.trim() || null,
    participants: draft.participants.map((p) => ({ volunteer_id: p.volunteer_id, hours: p.hours ?? 0 })),
    people_served: draft.people_served ?? 0,
    beneficiaries: counts(draft.beneficiaries),
    outputs: counts(draft.outputs),
  }
  if (draft.request_id) body.request_id = draft.request_id
  return body
}

/** The POST /activities/{id}/correct body: the corrected activity and the reason. */
export function correctionBody(draft: ActivityDraft): CorrectionBody {
  return { ...activityBody(draft), reason: draft.reason.trim() }
}

function rowsOf(map: Record<string, number>): CountRow[] {
  return Object.entries(map).map(([name, count]) => ({ name, count }))
}

/** A draft holding an activity as it stands, to be corrected. */
export function draftOf(activity: Activity): ActivityDraft {
  return {
    community_id: activity.community_id,
    team_id: activity.team_id,
    kind: activity.kind,
    title: activity.title,
    started_at: toLocalInput(activity.started_at),
    ended_at: toLocalInput(activity.ended_at),
    location: activity.location ?? '',
    participants: activity.participants.map((p) => ({ volunteer_id: p.volunteer_id, hours: p.hours })),
    people_served: activity.people_served,
    beneficiaries: rowsOf(activity.beneficiaries),
    outputs: rowsOf(activity.outputs),
    reason: '',
    request_id: activity.request_id ?? '',
  }
}

/** The total of an activity's hours. */
export function totalHours(activity: Pick<Activity, 'participants'>): number {
  return Math.round(activity.participants.reduce((sum, p) => sum + p.hours, 0) * 100) / 100
}
