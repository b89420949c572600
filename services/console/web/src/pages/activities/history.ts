// An activity's history, read from the activity itself: who logged it, verified it,
// voided or corrected it, and when (the service keeps each of these on the activity).
import type { Activity } from './rules'

/** The prefix the service gives a correction's void reason (lifecycle.CORRECTED). */
export const CORRECTED = 'corrected: '

export interface HistoryEntry {
  at: string
  what: string
  who: string
  note?: string
  /** Another activity this step links to (the one corrected, or its replacement). */
  link?: { id: string; label: string }
}

/** The reason shown for a void: a correction's reason without the service's prefix. */
export function voidReason(activity: Pick<Activity, 'void_reason' | 'corrected_by_activity_id'>): string {
  const reason = activity.void_reason ?? ''
  return activity.corrected_by_activity_id && reason.startsWith(CORRECTED)
    ? reason.slice(CORRECTED.length)
    : reason
}

export function activityHistory(activity: Activity): HistoryEntry[] {
  const entries: HistoryEntry[] = []
  const corrects = activity.corrects_activity_id
  entries.push({
    at: activity.created_at,
    what: corrects ? '更正登记' : '登记',
    who: activity.logged_by,
    link: corrects ? { id: corrects, label: '查看原活动' } : undefined,
  })
  if (activity.verified_at) {
    entries.push({
      at: activity.verified_at,
      what: '核实',
      who: activity.verified_by ?? '',
      note: '服务时长计为已认证时长',
    })
  }
  if (activity.voided_at) {
    const replacement = activity.corrected_by_activity_id
    entries.push({
      at: activity.voided_at,
      what: replacement ? '已更正（原活动作废）' : '作废',
      who: activity.voided_by ?? '',
      note: `${replacement ? '更正原因' : '作废原因'}：${voidReason(activity)}`,
      link: replacement ? { id: replacement, label: '查看更正后的活动' } : undefined,
    })
  }
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** A time as people read it here: `2025-06-01 09:30`, local. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** An activity's span: `2025-06-01 09:00–11:30`, or both times in full across days. */
export function formatSpan(start: string, end: string): string {
  const from = formatTime(start)
  const to = formatTime(end)
  return from.slice(0, 10) === to.slice(0, 10) ? `${from}–${to.slice(11)}` : `${from} 至 ${to}`
}
