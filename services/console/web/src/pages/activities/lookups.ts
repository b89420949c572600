// What the activity pages show by name: kinds (activities), teams and colors (registry),
// and the volunteers a team can send.
import { computed, ref } from 'vue'
import { activities, call, registry } from '../../api/client'
import type { components as ActivitiesSchemas } from '../../api/schema/activities'
import type { components as RegistrySchemas } from '../../api/schema/registry'

export type Kind = ActivitiesSchemas['schemas']['KindOut']
export type Team = RegistrySchemas['schemas']['TeamOut']
export type Category = RegistrySchemas['schemas']['CategoryOut']
export type Volunteer = RegistrySchemas['schemas']['VolunteerOut']

export const CATEGORY_COLORS: Record<string, string> = {
  red: '#d62728', orange: '#f46036', gold: '#e0a800', green: '#2ca02c',
  cyan: '#17becf', blue: '#1f77b4', purple: '#9467bd',
}

const MANY = 500

/** Kinds, teams in scope and the colors' names, read when a page opens. */
export function useActivityLookups() {
  const kinds = ref<Kind[]>([])
  const teams = ref<Team[]>([])
  const categories = ref<Category[]>([])

  const ready = Promise.allSettled([
    call(activities.GET('/activity-kinds')).then((all) => (kinds.value = all)),
    call(registry.GET('/teams', { params: { query: { limit: MANY } } })).then((page) => (teams.value = page.items)),
    call(registry.GET('/categories')).then((all) => (categories.value = all)),
  ])

  const kindNames = computed(() => new Map(kinds.value.map((k) => [k.code, k.name])))
  const teamNames = computed(() => new Map(teams.value.map((t) => [t.id, t.name])))
  const categoryNames = computed(() => new Map(categories.value.map((c) => [c.code, c.name])))

  return { kinds, teams, categories, kindNames, teamNames, categoryNames, ready }
}

/** The active volunteers of a team, or of a whole community. */
export async function volunteersOf(where: { team_id?: string; community_id?: string }): Promise<Volunteer[]> {
  const page = await call(registry.GET('/volunteers', { params: { query: { ...where, active: true, limit: MANY } } }))
  return page.items
}

/** Volunteers by id (those not already in `known`), for names on an activity. */
export async function volunteersById(ids: string[], known: Map<string, Volunteer> = new Map()): Promise<Map<string, Volunteer>> {
  const found = new Map(known)
  const missing = ids.filter((id) => !found.has(id))
  const answers = await Promise.allSettled(
    missing.map((id) => call(registry.GET('/volunteers/{volunteer_id}', { params: { path: { volunteer_id: id } } }))),
  )
  for (const answer of answers) if (answer.status === 'fulfilled') found.set(answer.value.id, answer.value)
  return found
}
