// A volunteer's personal data (PIPL, 个人信息保护法): every service's part gathered into one
// JSON document to download, and the erasure. Each service answers its own part at a path of
// its own (docs/security.md, "Personal information (PIPL)"); the registry erases, and the
// other services' copies follow through its event.
import { activities, call, registry, requests, stats } from '../../api/client'
import { ApiError } from '../../api/problem'
import type { components } from '../../api/schema/registry'

type Volunteer = components['schemas']['VolunteerOut']

export type PartName = 'registry' | 'activities' | 'requests' | 'stats'

/** What each part holds, in the words the page uses. */
export const PART_NAMES: Record<PartName, string> = {
  registry: '志愿者档案、服务队、驻区单位、党员生活事件',
  activities: '服务时长与服务证明',
  requests: '关爱任务、走访与工单记录',
  stats: '统计中的姓名与时长',
}

export type PartLoader = (volunteerId: string) => Promise<unknown>

const path = (volunteerId: string) => ({ params: { path: { volunteer_id: volunteerId } } })

export const PART_LOADERS: Record<PartName, PartLoader> = {
  registry: (id) => call(registry.GET('/volunteers/{volunteer_id}/personal-data', path(id))),
  activities: (id) => call(activities.GET('/volunteer-hours/{volunteer_id}/personal-data', path(id))),
  requests: (id) => call(requests.GET('/volunteer-records/{volunteer_id}/personal-data', path(id))),
  stats: (id) => call(stats.GET('/stats/volunteers/{volunteer_id}/personal-data', path(id))),
}

export interface MissingPart {
  service: PartName
  status: number
  detail: string
}

export interface PersonalDataExport {
  volunteer_id: string
  exported_at: string
  parts: Partial<Record<PartName, unknown>>
  /** Parts a service could not give (it is down, or has not heard of the volunteer yet). */
  missing: MissingPart[]
}

/**
 * Every service's part, asked at once. A part that fails is named in `missing` and the rest
 * is still gathered; when the registry's part fails (403, 404, …) there is nothing to export
 * and its error is thrown.
 */
export async function gatherPersonalData(
  volunteerId: string,
  loaders: Record<PartName, PartLoader> = PART_LOADERS,
  now: Date = new Date(),
): Promise<PersonalDataExport> {
  const names = Object.keys(loaders) as PartName[]
  const settled = await Promise.allSettled(names.map((name) => loaders[name](volunteerId)))
  const gathered: PersonalDataExport = {
    volunteer_id: volunteerId,
    exported_at: now.toISOString(),
    parts: {},
    missing: [],
  }
  settled.forEach((result, i) => {
    const service = names[i]
    if (result.status === 'fulfilled') {
      gathered.parts[service] = result.value
      return
    }
    if (service === 'registry') throw result.reason
    const problem = result.reason instanceof ApiError ? result.reason.problem : null
    gathered.missing.push({
      service,
      status: problem?.status ?? 0,
      detail: problem?.detail ?? String(result.reason),
    })
  })
  return gathered
}

function day(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`
}

/** The download's name: by the volunteer's id, so no name shows in a downloads folder. */
export function exportFileName(volunteerId: string, at: Date): string {
  return `个人信息-${volunteerId}-${day(at)}.json`
}

export function exportBlob(gathered: PersonalDataExport): Blob {
  return new Blob([`${JSON.stringify(gathered, null, 2)}\n`], { type: 'application/json' })
}

/** Who sees the export: the community's admins, and the volunteer themself. */
export function mayExport(isAdmin: boolean, sub: string | undefined, volunteerId: string): boolean {
  return isAdmin || sub === volunteerId
}

/** The erasure's reason, checked as the registry checks it; null when it will do. */
export function checkReason(reason: string): string | null {
  const text = reason.trim()
  if (!text) return '请填写删除原因'
  if (text.length > 200) return '删除原因不超过 200 个字'
  return null
}

export function eraseVolunteer(volunteerId: string, reason: string): Promise<Volunteer> {
  return call(
    registry.POST('/volunteers/{volunteer_id}/erase', { ...path(volunteerId), body: { reason: reason.trim() } }),
  )
}
