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

/** The four services as the outage banner names them: 「…服务暂时无法连接」. */
export const SERVICE_NAMES: Record<string, string> = {
  registry: '志愿者登记',
  activities: '活动记录',
  requests: '居民点单',
  stats: '统计',
}
