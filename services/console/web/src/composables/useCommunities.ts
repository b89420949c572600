// The communities in the session's scope, read once per page load.
import { computed, ref } from 'vue'
import { call, registry } from '../api/client'
import type { components } from '../api/schema/registry'

export type Community = components['schemas']['CommunityOut']

const communities = ref<Community[]>([])
let loading: Promise<void> | null = null

export function useCommunities() {
  if (!loading) {
    loading = call(registry.GET('/communities'))
      .then((page) => {
        communities.value = page.items
      })
      .catch(() => {
        loading = null // try again on the next page that needs them
      })
  }
  const names = computed(() => new Map(communities.value.map((c) => [c.id, c.name])))
  return { communities, names, ready: loading }
}

export function forgetCommunities(): void {
  communities.value = []
  loading = null
}
