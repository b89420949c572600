// Names for the codes and ids the hours and "我的" pages show: categories (colors),
// activity kinds, service kinds and teams. Read once per page; a failure leaves the codes.
import { reactive } from 'vue'
import { activities, call, registry, requests } from '../../api/client'

export function useNames() {
  const names = reactive({
    categories: new Map<string, string>(),
    /** The categories' codes in the registry's order (the seven colors first). */
    categoryOrder: [] as string[],
    kinds: new Map<string, string>(),
    serviceKinds: new Map<string, string>(),
    teams: new Map<string, string>(),
  })

  async function loadCategories(): Promise<void> {
    const list = await call(registry.GET('/categories')).catch(() => [])
    names.categories = new Map(list.map((c) => [c.code, c.name]))
    names.categoryOrder = list.map((c) => c.code)
  }

  async function loadKinds(): Promise<void> {
    const list = await call(activities.GET('/activity-kinds')).catch(() => [])
    names.kinds = new Map(list.map((k) => [k.code, k.name]))
  }

  async function loadServiceKinds(): Promise<void> {
    const list = await call(requests.GET('/service-kinds')).catch(() => [])
    names.serviceKinds = new Map(list.map((k) => [k.code, k.name]))
  }

  /** The teams of the token's communities (or of one): names by id, and the teams. */
  async function loadTeams(communityId?: string) {
    const page = await call(
      registry.GET('/teams', { params: { query: { community_id: communityId, limit: 500 } } }),
    ).catch(() => ({ items: [], next_cursor: null }))
    for (const team of page.items) names.teams.set(team.id, team.name)
    return page.items
  }

  const category = (code: string) => names.categories.get(code) ?? code
  const kind = (code: string) => names.kinds.get(code) ?? code
  const serviceKind = (code: string) => names.serviceKinds.get(code) ?? code
  const team = (id: string) => names.teams.get(id) ?? '—'

  return { names, loadCategories, loadKinds, loadServiceKinds, loadTeams, category, kind, serviceKind, team }
}
