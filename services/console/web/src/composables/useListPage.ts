// A list page of one of the services: the rows of the page its URL names (useListQuery),
// read again whenever the filters, the order or the page change. PagedTable shows them.
import { ElMessage } from 'element-plus'
import { ref, watch, type Ref } from 'vue'
import { ApiError } from '../api/problem'
import { useListQuery, type Filters, type ListState, type Sorting } from './useListQuery'

/** One page of a service's list answer: its rows and the cursor of the next page, if any. */
export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

export interface ListPageOptions<F extends Filters, T> {
  /** The filters and their defaults, as useListQuery takes them. */
  filters: F
  /** The orders offered, for a sorted list. */
  sorting?: Sorting
  /** Asks the service for the page a list state names. */
  read: (state: ListState<F>) => Promise<Page<T>>
}

export interface ListPage<F extends Filters, T> {
  /** The filters being edited, the state applied (the URL's) and the moves between pages. */
  list: ReturnType<typeof useListQuery<F>>
  rows: Ref<T[]>
  nextCursor: Ref<string | null>
  loading: Ref<boolean>
  /** Read the page shown again (after a change made on it). */
  load(): Promise<void>
}

/** `read` is called at once, and again on each change of the URL's list state: what it
 * uses must exist before. A problem is told in one message (a refused token by sign-in). */
export function useListPage<F extends Filters, T>({ filters, sorting, read }: ListPageOptions<F, T>): ListPage<F, T> {
  const list = useListQuery(filters, sorting)
  const rows = ref([]) as Ref<T[]>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      const page = await read(list.applied.value)
      rows.value = page.items
      nextCursor.value = page.next_cursor ?? null
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      if (error.problem.status !== 401) ElMessage.error(error.message)
    } finally {
      loading.value = false
    }
  }

  watch(list.applied, load, { immediate: true, deep: true })

  return { list, rows, nextCursor, loading, load }
}
