// The 大支部 pages' words and pure rules: what a resident unit brings, an agreement's period,
// how long an escalated order has waited, the teams it may go to, the branch's shared
// resources, and the registry's rules for a branch (services/registry/schemas.py BranchIn).

export const BRINGS = ['volunteers', 'venues', 'vehicles', 'funds', 'services'] as const
export type Brings = (typeof BRINGS)[number]

export const BRINGS_NAMES: Record<Brings, string> = {
  volunteers: '志愿者',
  venues: '场地',
  vehicles: '车辆',
  funds: '资金',
  services: '服务',
}

/** What an agreement brings, in Chinese: 「志愿者、场地」. */
export function bringsText(brings: readonly string[]): string {
  return brings.map((b) => BRINGS_NAMES[b as Brings] ?? b).join('、')
}

/** An agreement's period: 「2025-01-01 至 2025-12-31」. */
export function periodText(startsOn: string, endsOn: string): string {
  return `${startsOn} 至 ${endsOn}`
}

/** How long an escalated order has waited (or waited until `until`): 「3 天 2 小时」, 「45 分钟」. */
export function waitedText(since: string, now: number | Date, until?: string | null): string {
  const end = until ? new Date(until).getTime() : new Date(now).getTime()
  const minutes = Math.max(0, Math.floor((end - new Date(since).getTime()) / 60_000))
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const mins = minutes % 60
  if (days > 0) return hours ? `${days} 天 ${hours} 小时` : `${days} 天`
  if (hours > 0) return mins ? `${hours} 小时 ${mins} 分钟` : `${hours} 小时`
  return `${mins} 分钟`
}

// -- the escalation queue's views -----------------------------------------------------------

export const ESCALATION_VIEWS = ['waiting', 'all'] as const
export type EscalationView = (typeof ESCALATION_VIEWS)[number]

export const ESCALATION_VIEW_NAMES: Record<EscalationView, string> = {
  waiting: '待派单',
  all: '全部上报',
}

/** The GET /requests filters for a view of the branch's queue. */
export function escalationQuery(view: string): { escalated: true; waiting?: true } {
  return view === 'all' ? { escalated: true } : { escalated: true, waiting: true }
}

// -- who may escalate -----------------------------------------------------------------------

const OPEN = ['submitted', 'assigned', 'accepted']

/** 上报大支部: the admins of the order's community, while it is open and not yet escalated
 * (services/requests/domain.py escalate_request, lifecycle.escalate). */
export function mayEscalate(
  order: { status: string; escalated_at?: string | null; community_id: string },
  role: string | null,
  communities: readonly string[],
): boolean {
  const admin =
    role === 'county_admin' ||
    (role === 'community_admin' && (communities.includes(order.community_id) || communities.includes('*')))
  return admin && OPEN.includes(order.status) && !order.escalated_at
}

export const ESCALATE_REASON_MAX = 500

/** The reason's rule (EscalateIn.reason): 1–500 characters after trimming. */
export function checkEscalateReason(reason: string): string | null {
  const text = reason.trim()
  if (!text) return '请填写上报原因'
  if (text.length > ESCALATE_REASON_MAX) return `不超过 ${ESCALATE_REASON_MAX} 个字`
  return null
}

// -- the teams an escalated order may go to -------------------------------------------------

export interface BranchTeam {
  id: string
  name: string
  category: string
  community_id: string
  status: string
  unit_id?: string | null
}

export interface TeamGroup<T> {
  label: string
  teams: T[]
}

/**
 * The active teams of the branch's communities an escalated order may go to: those of the
 * order's color first, then the others; within each, resident units' teams after the
 * communities' own, then by name.
 */
export function branchTeamChoices<T extends BranchTeam>(teams: readonly T[], category: string): TeamGroup<T>[] {
  const order = (a: T, b: T) =>
    Number(!!a.unit_id) - Number(!!b.unit_id) || a.name.localeCompare(b.name, 'zh-CN')
  const active = teams.filter((t) => t.status === 'active')
  return [
    { label: '对口服务队', teams: active.filter((t) => t.category === category).sort(order) },
    { label: '其他服务队', teams: active.filter((t) => t.category !== category).sort(order) },
  ].filter((g) => g.teams.length > 0)
}

/** A team as the select shows it: 「橙色队 · 邻里社区 · 驻区单位：县医院」. */
export function teamLabel(
  team: BranchTeam,
  communityNames: ReadonlyMap<string, string>,
  unitNames: ReadonlyMap<string, string>,
): string {
  const parts = [team.name, communityNames.get(team.community_id) ?? team.community_id]
  if (team.unit_id) parts.push(`驻区单位：${unitNames.get(team.unit_id) ?? '（单位）'}`)
  return parts.join(' · ')
}

// -- the branch's shared resources ----------------------------------------------------------

export const RESOURCE_KIND_NAMES: Record<string, string> = {
  hall: '场地',
  vehicle: '车辆',
  equipment: '设备',
  other: '其他',
}

/** The resources of the branch's communities that they share with the branch. */
export function sharedOfBranch<R extends { community_id: string; shared_with_branch: boolean }>(
  resources: readonly R[],
  communityIds: readonly string[],
): R[] {
  return resources.filter((r) => r.shared_with_branch && communityIds.includes(r.community_id))
}

// -- a branch's form --------------------------------------------------------------------------

export interface BranchDraft extends Record<string, unknown> {
  id: string
  name: string
  secretary_name: string
  secretary_phone: string
}

export function blankBranch(): BranchDraft {
  return { id: '', name: '', secretary_name: '', secretary_phone: '' }
}

const SLUG = /^[a-z][a-z0-9_-]{1,39}$/
const PHONE_SEPARATORS = /[\s\-()]/g
const PHONE = /^\+?\d{5,15}$/

export const BRANCH_HINTS: Record<keyof BranchDraft, string> = {
  id: '小写字母开头，2–40 位小写字母、数字、- 或 _，如 dongcheng；创建后不能修改。',
  name: '如“东城大支部”，1–100 个字。',
  secretary_name: '可不填。',
  secretary_phone: '可不填；5–15 位数字，可带 +。',
}

/** One field's rule in Chinese (null: fine). */
export function checkBranchField(field: keyof BranchDraft, draft: BranchDraft): string | null {
  const value = String(draft[field] ?? '').trim()
  switch (field) {
    case 'id':
      if (!value) return '请填写编号'
      return SLUG.test(value) ? null : '编号须小写字母开头，2–40 位小写字母、数字、- 或 _'
    case 'name':
      if (!value) return '请填写名称'
      return value.length <= 100 ? null : '名称不超过 100 个字'
    case 'secretary_name':
      return value.length <= 100 ? null : '姓名不超过 100 个字'
    case 'secretary_phone':
      return !value || PHONE.test(value.replace(PHONE_SEPARATORS, '')) ? null : '手机号应为 5–15 位数字，可带 +'
    default:
      return null
  }
}
