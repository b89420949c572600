// The SLA clock of an order and the due day of a care task, in words. Pure: the time
// ("now", "today") is passed in, so a page ticks it and a test fixes it.

export type DueLevel = 'ok' | 'soon' | 'overdue' | 'closed'

export interface Countdown {
  text: string
  level: DueLevel
}

const MINUTE = 60_000
/** An open order in its last two hours shows in orange. */
export const SOON_MS = 2 * 60 * MINUTE

/** A span of time in words: "2天3小时", "2小时13分", "35分", "不足1分". */
export function spanText(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / MINUTE)
  if (minutes < 1) return '不足1分'
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const mins = minutes % 60
  if (days > 0) return hours > 0 ? `${days}天${hours}小时` : `${days}天`
  if (hours > 0) return mins > 0 ? `${hours}小时${mins}分` : `${hours}小时`
  return `${mins}分`
}

export interface OrderClock {
  status: string
  due_at: string
  /** Marked overdue by the service's scheduler. */
  overdue: boolean
  completed_at?: string | null
}

const OPEN = ['submitted', 'assigned', 'accepted']

/** "剩余 2小时13分" / "已超时 35分" for an open order; how it ended for a closed one. */
export function slaCountdown(order: OrderClock, now: Date): Countdown {
  const due = new Date(order.due_at).getTime()
  if (order.status === 'cancelled') return { text: '已取消', level: 'closed' }
  if (order.status === 'completed') {
    const done = order.completed_at ? new Date(order.completed_at).getTime() : due
    return done <= due
      ? { text: '按时完成', level: 'closed' }
      : { text: `超时 ${spanText(done - due)} 完成`, level: 'closed' }
  }
  if (!OPEN.includes(order.status)) return { text: '—', level: 'closed' }
  const left = due - now.getTime()
  if (left <= 0) return { text: `已超时 ${spanText(left)}`, level: 'overdue' }
  // The service marked it although this clock says otherwise: the service's word stands.
  if (order.overdue) return { text: '已超时', level: 'overdue' }
  return { text: `剩余 ${spanText(left)}`, level: left <= SOON_MS ? 'soon' : 'ok' }
}

/** The local calendar day of a moment, "YYYY-MM-DD". */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`
}

/** Whole days from `from` to `to`, both "YYYY-MM-DD" (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const utc = (day: string) => {
    const [y, m, d] = day.split('-').map(Number)
    return Date.UTC(y, m - 1, d)
  }
  return Math.round((utc(to) - utc(from)) / 86_400_000)
}

export interface CareClock {
  status: string
  due_on: string
  overdue: boolean
}

/** "还剩 3 天" / "今天到期" / "已超期 2 天" for an open care task. */
export function careCountdown(task: CareClock, today: string): Countdown {
  if (task.status !== 'open') return { text: '已完成', level: 'closed' }
  const left = daysBetween(today, task.due_on)
  if (left < 0) return { text: `已超期 ${-left} 天`, level: 'overdue' }
  if (task.overdue) return { text: '已超期', level: 'overdue' }
  if (left === 0) return { text: '今天到期', level: 'soon' }
  return { text: `还剩 ${left} 天`, level: left <= 2 ? 'soon' : 'ok' }
}

/** A moment as the desk reads it: "11月30日 14:05" (the year only when not this year). */
export function shortTime(at: string, now: Date): string {
  const when = new Date(at)
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = `${when.getMonth() + 1}月${when.getDate()}日 ${pad(when.getHours())}:${pad(when.getMinutes())}`
  return when.getFullYear() === now.getFullYear() ? day : `${when.getFullYear()}年${day}`
}
