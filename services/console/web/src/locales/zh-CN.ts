// The console's words, in one place.
import type { Role } from '../api/token'

export const ROLE_NAMES: Record<Role, string> = {
  county_admin: '县级管理员',
  branch_admin: '大支部管理员',
  community_admin: '社区管理员',
  team_leader: '服务队队长',
  volunteer: '志愿者',
}

export const GENDER_NAMES: Record<string, string> = { male: '男', female: '女' }

export const APP_TITLE = '七色志愿服务 · 工作台'

/** Party members' life events (registry `LifeEventKind`), each calling for a visit (必访)
 * or a talk (必谈) as the requests service's care rules say (三必访五必谈). */
export const LIFE_EVENT_KINDS: { kind: string; name: string; care: '必访' | '必谈' }[] = [
  { kind: 'ill', name: '生病', care: '必访' },
  { kind: 'hospitalized', name: '住院', care: '必访' },
  { kind: 'major_difficulty', name: '遭遇重大困难', care: '必访' },
  { kind: 'missed_dues', name: '未按时交纳党费', care: '必访' },
  { kind: 'missed_org_life', name: '未参加组织生活', care: '必访' },
  { kind: 'job_change', name: '工作变动', care: '必谈' },
  { kind: 'commended', name: '受到表彰', care: '必谈' },
  { kind: 'disciplined', name: '受到处分', care: '必谈' },
  { kind: 'negative_feedback', name: '群众有反映', care: '必谈' },
  { kind: 'retired', name: '退休', care: '必谈' },
]
/** The four services as the outage banner names them: 「…服务暂时无法连接」. */
export const SERVICE_NAMES: Record<string, string> = {
  registry: '志愿者登记',
  activities: '活动记录',
  requests: '居民点单',
  stats: '统计',
}
