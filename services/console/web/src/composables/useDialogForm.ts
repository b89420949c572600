// A dialog that registers or edits one thing: a problem form (draft kept, the services'
// answers beside the fields) that closes once the service took it. 取消 forgets the draft.
import type { FormInstance } from 'element-plus'
import { ref, type Ref } from 'vue'
import { useProblemForm, type Saved } from './useProblemForm'

export function useDialogForm<T extends Record<string, unknown>>(open: Ref<boolean>, draftKey: string, blank: () => T) {
  const form = useProblemForm<T>(draftKey, blank)
  /** Bind with `ref="formRef"` on the dialog's el-form. */
  const formRef = ref<FormInstance>()

  /** Check the fields and send; on success the dialog closes. null when nothing was saved. */
  async function save<R>(send: (draft: T) => Promise<R>): Promise<Saved<T, R> | null> {
    const saved = await form.save(formRef, send)
    if (saved) open.value = false
    return saved
  }

  function cancel(): void {
    form.discard()
    formRef.value?.clearValidate()
    open.value = false
  }

  return { form, formRef, save, cancel }
}
