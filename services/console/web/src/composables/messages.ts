// What a page says to the person about the services' answers, and the question it asks
// before a step that cannot be undone. A refused token says nothing here: the sign-in page
// takes over. What is not a service's answer is a bug, and surfaces as one.
import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError, fieldErrors } from '../api/problem'

/** A service's refusal as one Chinese message. */
export function sayProblem(error: unknown): void {
  if (!(error instanceof ApiError)) throw error
  if (error.problem.status !== 401) ElMessage.error(error.message)
}

/** A refusal that names some of `fields`: their messages, to show beside them; any other
 * refusal is said as one message (and none are returned). */
export function sayRefusal<F extends string>(error: unknown, fields: readonly F[]): Partial<Record<F, string>> {
  if (!(error instanceof ApiError)) throw error
  if (error.problem.status === 401) return {}
  const beside = fieldErrors(error.problem, fields) as Partial<Record<F, string>>
  if (!Object.keys(beside).length) ElMessage.error(error.message)
  return beside
}

/** Asked before a step: true when the person confirmed, false when they backed out. */
export function confirmed(message: string, title: string, confirm: string, back = '取消'): Promise<boolean> {
  return ElMessageBox.confirm(message, title, {
    confirmButtonText: confirm,
    cancelButtonText: back,
    type: 'warning',
  }).then(
    () => true,
    () => false,
  )
}
