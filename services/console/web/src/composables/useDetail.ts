// The one record a detail page shows (an order, a volunteer, a team, a branch): read with a
// spinner; `missing` when the service answers 404, which is also what it answers for a record
// outside the caller's scope; any other refusal said, the record shown so far kept.
import { ref, type Ref } from 'vue'
import { ApiError } from '../api/problem'
import { sayProblem } from './messages'

export function useDetail<T>(read: () => Promise<T>) {
  const record = ref(null) as Ref<T | null>
  const loading = ref(false)
  const missing = ref(false)

  /** Read the record (again); null when it could not be read. */
  async function load(): Promise<T | null> {
    loading.value = true
    try {
      const found = await read()
      record.value = found
      missing.value = false
      return found
    } catch (error) {
      if (error instanceof ApiError && error.problem.status === 404) missing.value = true
      else sayProblem(error)
      return null
    } finally {
      loading.value = false
    }
  }

  return { record, loading, missing, load }
}
