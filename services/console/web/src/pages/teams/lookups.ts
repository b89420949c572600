// What the team pages look up beside the teams: the categories (read once per page load)
// and volunteers' names by id (each read once, for the leader column).
import { computed, reactive, ref } from 'vue'
import { call, registry } from '../../api/client'
import type { components } from '../../api/schema/registry'
import { sortCategories } from './colors'

export type Category = components['schemas']['CategoryOut']

const categories = ref<Category[]>([])
let loadingCategories: Promise<void> | null = null

export function useCategories() {
  if (!loadingCategories) {
    loadingCategories = call(registry.GET('/categories'))
      .then((list) => {
        categories.value = sortCategories(list)
      })
      .catch(() => {
        loadingCategories = null // try again on the next page that needs them
      })
  }
  const names = computed(() => new Map(categories.value.map((c) => [c.code, c.name])))
  return { categories, names }
}

const volunteerNames = reactive(new Map<string, string>())
const asking = new Set<string>()

/** Names of volunteers by id; `want` reads the ones not known yet. */
export function useVolunteerNames() {
  async function want(ids: readonly (string | null | undefined)[]): Promise<void> {
    const unknown = [...new Set(ids)].filter(
      (id): id is string => !!id && !volunteerNames.has(id) && !asking.has(id),
    )
    await Promise.all(
      unknown.map(async (id) => {
        asking.add(id)
        try {
          const v = await call(registry.GET('/volunteers/{volunteer_id}', { params: { path: { volunteer_id: id } } }))
          volunteerNames.set(id, v.name)
        } catch {
          // Shown as "—" and asked again on the next load.
        } finally {
          asking.delete(id)
        }
      }),
    )
  }
  function remember(id: string, name: string): void {
    volunteerNames.set(id, name)
  }
  return { names: volunteerNames, want, remember }
}
