// A list's filters, order and page live in the URL query, so a reload or a shared link
// shows the same list. A new search or a new order starts again at the first page.
import { computed, nextTick, reactive, ref, watch } from 'vue'
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'

export type Filters = Record<string, string>

export const PAGE_SIZES = [20, 50, 100] as const
export const DEFAULT_LIMIT = 20

/** The orders a list offers (the API's `sort` values: `key` or `-key` for descending) and
 * the one it shows when the URL names none. */
export interface Sorting<S extends string = string> {
  default: S
  allowed: readonly S[]
}

export interface ListState<F extends Filters> {
  filters: F
  /** The API's `sort`; '' for a list that is not sorted. */
  sort: string
  cursor: string | null
  limit: number
}

function first(value: LocationQuery[string]): string | null {
  const one = Array.isArray(value) ? value[0] : value
  return one ?? null
}

/** The list's state read from a URL query; unknown keys are ignored, bad values defaulted. */
export function readListQuery<F extends Filters>(
  query: LocationQuery,
  defaults: F,
  sorting?: Sorting,
): ListState<F> {
  const filters = { ...defaults }
  for (const key of Object.keys(defaults) as (keyof F & string)[]) {
    const value = first(query[key])
    if (value !== null) filters[key] = value as F[typeof key]
  }
  const limit = Number(first(query.limit))
  const sort = first(query.sort)
  return {
    filters,
    sort: sorting ? (sort !== null && sorting.allowed.includes(sort) ? sort : sorting.default) : '',
    cursor: first(query.cursor) || null,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
  }
}

/** The URL query for a state: defaults left out, so plain lists keep plain addresses. */
export function writeListQuery<F extends Filters>(
  state: ListState<F>,
  defaults: F,
  sorting?: Sorting,
): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  for (const [key, value] of Object.entries(state.filters)) {
    const trimmed = value.trim()
    if (trimmed !== '' && trimmed !== defaults[key]) query[key] = trimmed
  }
  if (state.sort && state.sort !== sorting?.default) query.sort = state.sort
  if (state.cursor) query.cursor = state.cursor
  if (state.limit !== DEFAULT_LIMIT) query.limit = String(state.limit)
  return query
}

// -- el-table's sort state (a column's prop and an order) and the API's `sort`

export type TableOrder = 'ascending' | 'descending'

export interface TableSort {
  prop: string
  order: TableOrder
}

// A column's clicks go between its two orders (never to "unsorted", which would show the
// list's default order under no arrow): times and counts the largest first, names and due
// days the first first.
export const DESCENDING_FIRST: TableOrder[] = ['descending', 'ascending']
export const ASCENDING_FIRST: TableOrder[] = ['ascending', 'descending']

/** What el-table shows for a `sort`: `-started_at` is the started_at column descending. */
export function tableSortOf(sort: string): TableSort | undefined {
  if (!sort) return undefined
  return sort.startsWith('-')
    ? { prop: sort.slice(1), order: 'descending' }
    : { prop: sort, order: 'ascending' }
}

/** The `sort` a click on a column header asks for: the column's prop, `-` for descending;
 * null when the column's order was cleared (el-table's third click) or it is not offered. */
export function sortOfTable(
  change: { prop?: string | null; order?: string | null },
  sorting: Sorting,
): string | null {
  if (!change.prop || (change.order !== 'ascending' && change.order !== 'descending')) return null
  const sort = change.order === 'descending' ? `-${change.prop}` : change.prop
  return sorting.allowed.includes(sort) ? sort : null
}

/** The part of el-table this composable drives: showing an order without a click. */
export interface SortableTable {
  sort(prop: string, order: string): void
  clearSort(): void
}

/** Filters being edited, the state applied (from the URL), and the moves between pages;
 * with `sorting`, the table's order too: bind `:ref="list.table"`,
 * `:default-sort="list.tableSort.value"` and `@sort-change="list.sortChanged"`. */
export function useListQuery<F extends Filters>(defaults: F, sorting?: Sorting) {
  const route = useRoute()
  const router = useRouter()
  const applied = computed(() => readListQuery(route.query, defaults, sorting))
  const filters = reactive({ ...applied.value.filters }) as F
  // Cursors of the pages before this one, for "上一页" (a reload starts the trail again).
  const trail = ref<(string | null)[]>([])
  const table = ref<SortableTable | null>(null)
  // The order the table's headers show; el-table shows `default-sort` when it mounts.
  let shown = applied.value.sort
  let showing = false

  watch(
    () => applied.value.filters,
    (now) => Object.assign(filters, now),
  )

  function go(state: ListState<F>): Promise<unknown> {
    return router.push({ query: writeListQuery(state, defaults, sorting) })
  }

  function sortBy(sort: string): Promise<unknown> {
    trail.value = []
    return go({ ...applied.value, sort, cursor: null })
  }

  /** Make the headers show `sort` (after back/forward, or a cleared column). */
  function show(sort: string): void {
    if (sort === shown || !table.value) return
    shown = sort
    const wanted = tableSortOf(sort)
    showing = true // el-table reports its own change back: not a person's click
    try {
      if (wanted) table.value.sort(wanted.prop, wanted.order)
      else table.value.clearSort()
    } finally {
      showing = false
    }
  }

  watch(() => applied.value.sort, show)

  return {
    filters,
    applied,
    table,
    tableSort: computed(() => tableSortOf(applied.value.sort)),
    hasPrevious: computed(() => applied.value.cursor !== null),
    search() {
      trail.value = []
      return go({ filters: { ...filters }, sort: applied.value.sort, cursor: null, limit: applied.value.limit })
    },
    reset() {
      trail.value = []
      Object.assign(filters, defaults)
      return go({ filters: { ...defaults }, sort: applied.value.sort, cursor: null, limit: applied.value.limit })
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
    sortBy,
    /** el-table's `sort-change`: a header was clicked. A cleared column goes back to the
     * list's default order, and its arrow is shown again. */
    sortChanged(change: { prop?: string | null; order?: string | null }) {
      if (!sorting || showing) return
      const asked = sortOfTable(change, sorting)
      shown = asked ?? ''
      const sort = asked ?? sorting.default
      if (asked === null) void nextTick(() => show(sort))
      if (sort !== applied.value.sort) void sortBy(sort)
    },
  }
}
