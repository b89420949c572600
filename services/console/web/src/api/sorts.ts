// The orders the services' lists offer (their `sort` query values, from the OpenAPI
// documents) and the one each page of the console shows first. Each list is written out
// as a record of every value, so a sort added to or dropped from a service fails the type
// check here until the console follows.
import type { Sorting } from '../composables/useListQuery'
import type { operations as activities } from './schema/activities'
import type { operations as registry } from './schema/registry'
import type { operations as requests } from './schema/requests'

type SortOf<Operation> = Operation extends { parameters: { query?: { sort?: infer S } } }
  ? Exclude<S, null | undefined>
  : never

export type ActivitySort = SortOf<activities['list_activities_activities_get']>
export type RequestSort = SortOf<requests['list_requests_requests_get']>
export type CareTaskSort = SortOf<requests['list_care_tasks_care_tasks_get']>
export type TeamSort = SortOf<registry['list_teams_teams_get']>
export type VolunteerSort = SortOf<registry['list_volunteers_volunteers_get']>

function sorting<S extends string>(every: Record<S, true>, first: S): Sorting<S> {
  return { default: first, allowed: Object.keys(every) as S[] }
}

/** 活动: the latest first. */
export const ACTIVITY_SORTING = sorting<ActivitySort>(
  { started_at: true, '-started_at': true, people_served: true, '-people_served': true, hours: true, '-hours': true },
  '-started_at',
)

/** 居民点单: the latest taken first. */
export const REQUEST_SORTING = sorting<RequestSort>(
  { due_at: true, '-due_at': true, submitted_at: true, '-submitted_at': true },
  '-submitted_at',
)

/** 三必访五必谈: the soonest due first. */
export const CARE_TASK_SORTING = sorting<CareTaskSort>(
  {
    due_on: true,
    '-due_on': true,
    completed_at: true,
    '-completed_at': true,
    volunteer_name: true,
    '-volunteer_name': true,
  },
  'due_on',
)

/** 服务队: by name, in pinyin order. */
export const TEAM_SORTING = sorting<TeamSort>(
  { name: true, '-name': true, created_at: true, '-created_at': true, member_count: true, '-member_count': true },
  'name',
)

/** 志愿者: the latest registered first. */
export const VOLUNTEER_SORTING = sorting<VolunteerSort>(
  { name: true, '-name': true, created_at: true, '-created_at': true, birth_year: true, '-birth_year': true },
  '-created_at',
)
