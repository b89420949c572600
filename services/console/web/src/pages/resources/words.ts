// Shared resources (资源联享): their kinds, opening hours and bookings in Chinese, and the
// days and times a booking is sent with. The deployment's time zone is China's (UTC+8, no
// summer time): a booking's date and clock times are sent with +08:00.

export const RESOURCE_KINDS = ['hall', 'vehicle', 'equipment', 'other'] as const
export type ResourceKind = (typeof RESOURCE_KINDS)[number]

export const RESOURCE_KIND_NAMES: Record<string, string> = {
  hall: '场地',
  vehicle: '车辆',
  equipment: '设备',
  other: '其他',
}

export const WEEKDAY_NAMES: Record<number, string> = {
  1: '周一', 2: '周二', 3: '周三', 4: '周四', 5: '周五', 6: '周六', 7: '周日',
}

export const ZONE_OFFSET = '+08:00'
const ZONE_MS = 8 * 3600_000

export interface Window {
  weekday: number
  from: string
  to: string
}

const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/

/** What is wrong with one row of the weekly opening hours; null when it is fine. */
export function windowProblem(w: Window): string | null {
  if (!(w.weekday >= 1 && w.weekday <= 7)) return '请选择星期几'
  if (!CLOCK.test(w.from) || !CLOCK.test(w.to)) return '时间格式为 时:分，如 08:00'
  if (w.to <= w.from) return '结束时间应晚于开始时间'
  return null
}

/** Weekdays Monday to Friday, each open `from` to `to`: the editor's one-click preset. */
export function weekdaysOpen(from = '08:00', to = '18:00'): Window[] {
  return [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from, to }))
}

/** The opening hours, day by day: 「周一 08:00–18:00；周二 …」, days in order. */
export function availabilityText(windows: readonly Window[]): string {
  const sorted = [...windows].sort((a, b) => a.weekday - b.weekday || a.from.localeCompare(b.from))
  if (!sorted.length) return '未设开放时间'
  return sorted.map((w) => `${WEEKDAY_NAMES[w.weekday] ?? w.weekday} ${w.from}–${w.to}`).join('；')
}

/** YYYY-MM-DD of a day counted from a YYYY-MM-DD day. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** ISO weekday (1 Monday ... 7 Sunday) of a YYYY-MM-DD day. */
export function isoWeekday(day: string): number {
  const n = new Date(`${day}T00:00:00Z`).getUTCDay()
  return n === 0 ? 7 : n
}

/** The Monday of the week a day is in. */
export function mondayOf(day: string): string {
  return addDays(day, 1 - isoWeekday(day))
}

/** The seven days of the week that starts on `monday`. */
export function weekOf(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i))
}

/** A day and clock time in China as the API's aware datetime. */
export function zoned(day: string, clock: string): string {
  return `${day}T${clock}:00${ZONE_OFFSET}`
}

/** A moment as China's day and clock: { day: '2031-01-06', clock: '09:00' }. */
export function inChina(at: string): { day: string; clock: string } {
  const local = new Date(new Date(at).getTime() + ZONE_MS).toISOString()
  return { day: local.slice(0, 10), clock: local.slice(11, 16) }
}

/** A booked period: 「1月6日 周一 09:00–11:00」 (the end's day too when it differs). */
export function periodText(startsAt: string, endsAt: string): string {
  const s = inChina(startsAt)
  const e = inChina(endsAt)
  const day = (d: string) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日 ${WEEKDAY_NAMES[isoWeekday(d)]}`
  return s.day === e.day ? `${day(s.day)} ${s.clock}–${e.clock}` : `${day(s.day)} ${s.clock} – ${day(e.day)} ${e.clock}`
}

/** The windows open on a day. */
export function openOn(windows: readonly Window[], day: string): Window[] {
  const weekday = isoWeekday(day)
  return windows.filter((w) => w.weekday === weekday).sort((a, b) => a.from.localeCompare(b.from))
}

/** Bookings grouped by the China day they start on, each day's by start. */
export function byDay<B extends { starts_at: string }>(bookings: readonly B[], days: readonly string[]): Map<string, B[]> {
  const found = new Map<string, B[]>(days.map((d) => [d, []]))
  for (const b of [...bookings].sort((x, y) => x.starts_at.localeCompare(y.starts_at))) {
    found.get(inChina(b.starts_at).day)?.push(b)
  }
  return found
}

export interface BookingDraft {
  day: string
  from: string
  to: string
  purpose: string
  activity_id: string
}

/** The body of POST /resources/{id}/bookings for a draft. */
export function bookingBody(draft: BookingDraft, communityId: string) {
  return {
    community_id: communityId,
    starts_at: zoned(draft.day, draft.from),
    ends_at: zoned(draft.day, draft.to),
    purpose: draft.purpose.trim(),
    activity_id: draft.activity_id || null,
  }
}

// activities' 409 for a taken time: "<name> is booked from <iso> to <iso> by <community>"
const TAKEN = /^(.*) is booked from (\S+) to (\S+) by (\S+)$/

/** The Chinese for a refused booking whose time is taken; null for other answers. */
export function takenMessage(detail: string | undefined): string | null {
  const m = detail?.match(TAKEN)
  if (!m) return null
  return `该时段已被预约：${m[1]} 在 ${periodText(m[2], m[3])} 已有预约，请换一个时间。`
}
