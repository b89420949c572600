// The words of resident orders (居民点单) and care tasks (三必访五必谈), the list views,
// and who may do what to an order: plain data and functions, tested without a browser.
import type { Role } from '../../api/token'

export const STATUS_NAMES: Record<string, string> = {
  submitted: '待派单',
  assigned: '已派单',
  accepted: '已接单',
  completed: '已完成',
  cancelled: '已取消',
}

export const STATUS_TAGS: Record<string, 'warning' | 'primary' | 'success' | 'info' | 'danger'> = {
  submitted: 'warning',
  assigned: 'primary',
  accepted: 'primary',
  completed: 'success',
  cancelled: 'info',
}

export const CHANNEL_NAMES: Record<string, string> = {
  walk_in: '来访',
  phone: '电话',
  online: '网上',
  county_platform: '县平台',
}

export const MODE_NAMES: Record<string, string> = { door_to_door: '上门服务', centralized: '集中服务' }
export const URGENCY_NAMES: Record<string, string> = { normal: '普通', urgent: '紧急' }

export const CATEGORY_COLORS: Record<string, string> = {
  red: '#d62728', orange: '#f46036', gold: '#e0a800', green: '#2ca02c',
  cyan: '#17becf', blue: '#1f77b4', purple: '#9467bd',
}

export const ACTION_NAMES: Record<string, string> = {
  submit: '受理',
  assign: '派单',
  accept: '接单',
  complete: '完成',
  cancel: '取消',
  rate: '评价',
  escalate: '上报大支部',
}

/** A history line's note in Chinese: the service writes its own notes in English. */
export function historyNote(action: string, note: string | null): string {
  if (!note) return ''
  const routed = note.match(/^routed to (.+)$/)
  if (routed) return `按类别自动派给 ${routed[1]}`
  const assigned = note.match(/^assigned to (.+)$/)
  if (assigned) return `派给 ${assigned[1]}`
  if (action === 'rate') {
    const rated = note.match(/^(\d)\/5\s*(.*)$/)
    if (rated) return `${rated[1]} 星${rated[2] ? `：${rated[2]}` : ''}`
  }
  return note
}

/** Who did it: the system, or a person's id (a volunteer's name when known). */
export function actorName(actor: string, names: ReadonlyMap<string, string>): string {
  if (actor === 'system') return '系统'
  return names.get(actor) ?? actor
}

// -- the list's views (tabs): each a query of GET /requests ---------------------------------

export const ORDER_VIEWS = ['queue', 'open', 'overdue', 'done', 'all'] as const
export type OrderView = (typeof ORDER_VIEWS)[number]

export const VIEW_NAMES: Record<OrderView, string> = {
  queue: '待派单',
  open: '处理中',
  overdue: '已超时',
  done: '已完成',
  all: '全部',
}

export interface OrderListQuery {
  unassigned?: boolean
  open?: boolean
  overdue?: boolean
  status?: 'submitted' | 'assigned' | 'accepted' | 'completed' | 'cancelled'
}

export function isOrderView(value: string): value is OrderView {
  return (ORDER_VIEWS as readonly string[]).includes(value)
}

/** The API filters for a view; `status` narrows the "all" view only. */
export function viewQuery(view: string, status = ''): OrderListQuery {
  switch (isOrderView(view) ? view : 'queue') {
    case 'queue':
      return { unassigned: true }
    case 'open':
      return { open: true }
    case 'overdue':
      return { open: true, overdue: true }
    case 'done':
      return { status: 'completed' }
    default:
      return status in STATUS_NAMES ? { status: status as OrderListQuery['status'] } : {}
  }
}

// -- who may do what ------------------------------------------------------------------------

const ADMINS: readonly Role[] = ['county_admin', 'community_admin']
const OPEN = ['submitted', 'assigned', 'accepted']

export interface OrderMoves {
  assign: boolean
  accept: boolean
  complete: boolean
  rate: boolean
  cancel: boolean
}

/**
 * The buttons an order shows: the requests service's rules (services/requests/domain.py).
 * Admins of its community do everything; the leader of the assigned team accepts and completes.
 */
export function orderMoves(
  order: { status: string; rating: number | null },
  role: Role | null,
  leadsTheTeam: boolean,
): OrderMoves {
  const admin = role !== null && ADMINS.includes(role)
  const works = admin || (role === 'team_leader' && leadsTheTeam)
  return {
    assign: admin && OPEN.includes(order.status),
    accept: works && order.status === 'assigned',
    complete: works && order.status === 'accepted',
    rate: admin && order.status === 'completed' && order.rating === null,
    cancel: admin && OPEN.includes(order.status),
  }
}

/**
 * The active teams an order may go to (already its own community's), those of the order's
 * category first: the service routes by category; another color is the staff's choice.
 */
export function teamChoices<T extends { status: string; category: string }>(
  teams: readonly T[],
  category: string,
): { label: string; teams: T[] }[] {
  const active = teams.filter((t) => t.status === 'active')
  return [
    { label: '对口服务队', teams: active.filter((t) => t.category === category) },
    { label: '其他服务队', teams: active.filter((t) => t.category !== category) },
  ].filter((group) => group.teams.length > 0)
}

// -- care tasks -----------------------------------------------------------------------------

export const CARE_KIND_NAMES: Record<string, string> = { visit: '必访', talk: '必谈' }

export const CARE_REASON_NAMES: Record<string, string> = {
  ill: '生病',
  hospitalized: '住院',
  major_difficulty: '遇重大困难',
  missed_dues: '未按时交纳党费',
  missed_org_life: '未参加组织生活',
  job_change: '工作变动',
  commended: '受到表彰',
  disciplined: '受到处分',
  negative_feedback: '群众有反映',
  retired: '退休',
  political_birthday: '政治生日',
}

export const CARE_OWNER_NAMES: Record<string, string> = { community_admins: '社区管理员' }

export const CARE_VIEWS = ['due', 'overdue', 'done', 'all'] as const
export type CareView = (typeof CARE_VIEWS)[number]

export const CARE_VIEW_NAMES: Record<CareView, string> = {
  due: '待办',
  overdue: '已超期',
  done: '已完成',
  all: '全部',
}

/** The GET /care-tasks filters for a view. */
export function careViewQuery(view: string): { status?: 'open' | 'done'; overdue?: boolean } {
  switch (view) {
    case 'overdue':
      return { status: 'open', overdue: true }
    case 'done':
      return { status: 'done' }
    case 'all':
      return {}
    default:
      return { status: 'open' }
  }
}
