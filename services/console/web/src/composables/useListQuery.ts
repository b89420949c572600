// A list's filters and page live in the URL query, so a reload or a shared link
// shows the same list. A new search starts again at the first page.
import { computed, reactive, ref, watch } from 'vue'
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'

export type Filters = Record<string, string>

export const PAGE_SIZES = [20, 50, 100] as const
export const DEFAULT_LIMIT = 20

export interface ListState<F extends Filters> {
  filters: F
  cursor: string | null
  limit: number
}

function first(value: LocationQuery[string]): string | null {
  const one = Array.isArray(value) ? value[0] : value
  return one ?? null
}

/** The list's state read from a URL query; unknown keys are ignored, bad values defaulted. */
export function readListQuery<F extends Filters>(query: LocationQuery, defaults: F): ListState<F> {
  const filters = { ...defaults }
  for (const key of Object.keys(defaults) as (keyof F & string)[]) {
    const value = first(query[key])
    if (value !== null) filters[key] = value as F[typeof key]
  }
  const limit = Number(first(query.limit))
  return {
    filters,
    cursor: first(query.cursor) || null,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
  }
}

/** The URL query for a state: defaults left out, so plain lists keep plain addresses. */
export function writeListQuery<F extends Filters>(state: ListState<F>, defaults: F): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  for (const [key, value] of Object.entries(state.filters)) {
    const trimmed = value.trim()
    if (trimmed !== '' && trimmed !== defaults[key]) query[key] = trimmed
  }
  if (state.cursor) query.cursor = state.cursor
  if (state.limit !== DEFAULT_LIMIT) query.limit = String(state.limit)
  return query
}

/** Filters being edited, the state applied (from the URL), and the moves between pages. */
export function useListQuery<F extends Filters>(defaults: F) {
  const route = useRoute()
  const router = useRouter()
  const applied = computed(() => readListQuery(route.query, defaults))
  const filters = reactive({ ...applied.value.filters }) as F
  // Cursors of the pages before this one, for "上一页" (a reload starts the trail again).
  const trail = ref<(string | null)[]>([])

  watch(
    () => applied.value.filters,
    (now) => Object.assign(filters, now),
  )

  function go(state: ListState<F>): Promise<unknown> {
    return router.push({ query: writeListQuery(state, defaults) })
  }

  return {
    filters,
    applied,
    hasPrevious: computed(() => applied.value.cursor !== null),
    search() {
      trail.value = []
      return go({ filters: { ...filters }, cursor: null, limit: applied.value.limit })
    },
    reset() {
      trail.value = []
      Object.assign(filters, defaults)
      return go({ filters: { ...defaults }, cursor: null, limit: applied.value.limit })
    },
    next(cursor: string) {
      trail.value.push(applied.value.cursor)
      return go({ ...applied.value, cursor })
    },
    previous() {
      const before = trail.value.pop() ?? null
      return go({ ...applied.value, cursor: before })
    },
    setLimit(limit: number) {
      trail.value = []
      return go({ ...applied.value, cursor: null, limit })
    },
  }
}
