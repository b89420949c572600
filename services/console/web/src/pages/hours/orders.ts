// Orders and care tasks as "我的" shows them on a phone: what a team leader may do with an
// order, and how long is left before it is due.
import type { components } from '../../api/schema/requests'

export type Order = components['schemas']['RequestOut']
export type CareTask = components['schemas']['CareTaskOut']

export const ORDER_STATUS_NAMES: Record<string, string> = {
  submitted: '待分派',
  assigned: '待接单',
  accepted: '服务中',
  completed: '已完成',
  cancelled: '已取消',
}

export const URGENCY_NAMES: Record<string, string> = { normal: '普通', urgent: '紧急' }
export const MODE_NAMES: Record<string, string> = { door_to_door: '上门服务', centralized: '集中服务' }
export const CARE_KIND_NAMES: Record<string, string> = { visit: '走访', talk: '谈心谈话' }
export const CARE_REASON_NAMES: Record<string, string> = {
  ill: '生病',
  hospitalized: '住院',
  major_difficulty: '遇到重大困难',
  missed_dues: '未按时交纳党费',
  missed_org_life: '未参加组织生活',
  job_change: '工作变动',
  commended: '受到表彰',
  disciplined: '受到处分',
  negative_feedback: '群众有反映',
  retired: '退休',
  political_birthday: '政治生日',
}

/** The leader's next move on an order of their team: accept it, complete it, or none. */
export function nextMove(order: Pick<Order, 'status'>): 'accept' | 'complete' | null {
  if (order.status === 'assigned') return 'accept'
  if (order.status === 'accepted') return 'complete'
  return null
}

/** The open orders, the most pressing first: overdue, then urgent, then by due time. */
export function byUrgency<T extends Pick<Order, 'overdue' | 'urgency' | 'due_at'>>(orders: readonly T[]): T[] {
  return [...orders].sort(
    (a, b) =>
      Number(b.overdue) - Number(a.overdue) ||
      Number(b.urgency === 'urgent') - Number(a.urgency === 'urgent') ||
      a.due_at.localeCompare(b.due_at),
  )
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

function span(ms: number): string {
  if (ms >= DAY) {
    const days = Math.floor(ms / DAY)
    const hours = Math.floor((ms % DAY) / HOUR)
    return hours ? `${days} 天 ${hours} 小时` : `${days} 天`
  }
  if (ms >= HOUR) {
    const hours = Math.floor(ms / HOUR)
    const minutes = Math.floor((ms % HOUR) / MINUTE)
    return minutes ? `${hours} 小时 ${minutes} 分` : `${hours} 小时`
  }
  return `${Math.max(1, Math.floor(ms / MINUTE))} 分钟`
}

/** How long until an order is due, or how long it is overdue. */
export function dueText(dueAt: string, now: Date = new Date()): { overdue: boolean; text: string } {
  const left = new Date(dueAt).getTime() - now.getTime()
  return left >= 0
    ? { overdue: false, text: `剩余 ${span(left)}` }
    : { overdue: true, text: `已超时 ${span(-left)}` }
}
