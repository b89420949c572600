// A form that shows the services' answers: field messages beside their fields
// (el-form-item `error`), anything else as one Chinese ElMessage. Its draft is
// kept in sessionStorage, so a sign-in in between loses nothing that was typed.
import { ElMessage, type FormInstance } from 'element-plus'
import { reactive, ref, watch, type Ref, type UnwrapRef } from 'vue'
import { ApiError, fieldErrors } from '../api/problem'

/** What a saved form sent (the draft as it was; the form is blank again) and the answer. */
export interface Saved<T, R> {
  draft: T
  answer: R
}

export function useProblemForm<T extends Record<string, unknown>>(draftKey: string, blank: () => T) {
  const key = `qise.draft.${draftKey}`
  const saved = sessionStorage.getItem(key)
  const model = reactive({ ...blank(), ...(saved ? (JSON.parse(saved) as Partial<T>) : {}) })
  const errors = reactive<Record<string, string>>({})
  const submitting = ref(false)

  watch(model, (now) => sessionStorage.setItem(key, JSON.stringify(now)), { deep: true })

  function clearErrors(): void {
    for (const name of Object.keys(errors)) delete errors[name]
  }

  /** Run `send`; true when it succeeded (the draft is then forgotten). */
  async function submit(send: (values: UnwrapRef<T>) => Promise<unknown>): Promise<boolean> {
    clearErrors()
    submitting.value = true
    try {
      await send(model as UnwrapRef<T>)
      sessionStorage.removeItem(key)
      return true
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      if (error.problem.status === 401) return false // the sign-in page takes over
      const beside = fieldErrors(error.problem, Object.keys(blank()))
      Object.assign(errors, beside)
      if (Object.keys(beside).length) ElMessage.error('提交未成功，请按字段旁的提示修改。')
      else ElMessage.error(error.message)
      return false
    } finally {
      submitting.value = false
    }
  }

  function discard(): void {
    sessionStorage.removeItem(key)
    Object.assign(model, blank())
    clearErrors()
  }

  /** The el-form's own checks first, then `submit` of the draft as it is now (a send that
   * retries sends the same); once the service took it, the draft is discarded. null when a
   * check or the service refused it. */
  async function save<R>(
    formRef: Ref<FormInstance | undefined>,
    send: (draft: T) => Promise<R>,
  ): Promise<Saved<T, R> | null> {
    if (!(await formRef.value?.validate().catch(() => false))) return null
    const draft = { ...model } as T
    const answer: { value?: R } = {}
    const saved = await submit(async () => {
      answer.value = await send(draft)
    })
    if (!saved) return null
    discard()
    return { draft, answer: answer.value as R }
  }

  return { model, errors, submitting, submit, save, discard, clearErrors }
}
