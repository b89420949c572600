// The board's state lives in the URL (a reload or a shared link shows the same figures);
// the scopes on offer come from the stats service's /stats/areas, read once per page load.
import { ElMessage } from 'element-plus'
import { computed, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { call, stats } from '../../api/client'
import { isOutage } from '../../api/outage'
import { ApiError } from '../../api/problem'
import { useCommunities } from '../../composables/useCommunities'
import { useSession } from '../../stores/session'
import {
  areaLabel,
  areaOptions,
  defaultArea,
  readBoardQuery,
  writeBoardQuery,
  type Area,
  type AreaOption,
  type BoardState,
} from './board'

const options = ref<AreaOption[]>([])
let loading: Promise<void> | null = null
let loadedFor: string | null = null

/** The scopes this token may look at (the county, its branches, its communities). */
export function useAreas() {
  const token = useSession().token
  if (token !== loadedFor) {
    // Another sign-in: another token's scopes.
    options.value = []
    loading = null
    loadedFor = token
  }
  if (!loading) {
    loading = call(stats.GET('/stats/areas'))
      .then((areas) => {
        options.value = areaOptions(areas)
      })
      .catch(() => {
        loading = null // asked again by the next page, or on 重试
      })
  }
  return { options, ready: loading }
}

export function useBoard() {
  const route = useRoute()
  const router = useRouter()
  const session = useSession()
  const { options: areas } = useAreas()
  const { names } = useCommunities()

  const applied = computed(() => readBoardQuery(route.query))
  /** The area shown: the URL's, else the token's default. */
  const area = computed<Area>(() => applied.value.area ?? defaultArea(session.communities))
  // Named from the scopes on offer, else from the registry's communities (stats may be out of reach).
  const areaName = computed(() => {
    const { scope, id } = area.value
    const known = scope === 'community' && id ? names.value.get(id) : undefined
    return areas.value.length || !known ? areaLabel(area.value, areas.value) : known
  })

  function go(change: Partial<BoardState>): Promise<unknown> {
    return router.push({ query: writeBoardQuery({ ...applied.value, ...change }) })
  }

  return { applied, area, areaName, areas, go, reloadAreas: () => useAreas().ready }
}

/** A board's read that failed, said once however many failed together. A refused token goes
 * to sign-in, an unreachable service to the banner: no message for those. */
export function complain(error: unknown): void {
  if (!(error instanceof ApiError) || error.problem.status === 401 || isOutage(error)) return
  ElMessage({ type: 'error', message: error.message, grouping: true })
}
