// What the order pages look names up in, read once per page load: the service kinds
// (the requests service's routing table), the categories (colors) and the teams in scope.
import { computed, ref, type Ref } from 'vue'
import { call, registry, requests } from '../../api/client'
import type { components as RegistryTypes } from '../../api/schema/registry'
import type { components as RequestsTypes } from '../../api/schema/requests'

export type ServiceKind = RequestsTypes['schemas']['ServiceKindOut']
export type Category = RegistryTypes['schemas']['CategoryOut']
export type Team = RegistryTypes['schemas']['TeamOut']

function once<T>(read: () => Promise<T[]>) {
  const items = ref([]) as Ref<T[]>
  let loading: Promise<void> | null = null
  return () => {
    if (!loading) {
      loading = read()
        .then((found) => {
          items.value = found
        })
        .catch(() => {
          loading = null // try again on the next page that needs them
        })
    }
    return { items, ready: loading }
  }
}

const serviceKinds = once(() => call(requests.GET('/service-kinds')))
const categories = once(() => call(registry.GET('/categories')))
const teams = once(async () => (await call(registry.GET('/teams', { params: { query: { limit: 500 } } }))).items)

export function useServiceKinds() {
  const { items } = serviceKinds()
  const names = computed(() => new Map(items.value.map((k) => [k.code, k.name])))
  return { kinds: items, names }
}

export function useCategories() {
  const { items } = categories()
  const names = computed(() => new Map(items.value.map((c) => [c.code, c.name])))
  return { categories: items, names }
}

/** Team names by id, for the list's team column. */
export function useTeamNames() {
  const { items } = teams()
  return computed(() => new Map(items.value.map((t) => [t.id, t.name])))
}

