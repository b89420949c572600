import type { FormInstance } from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import { ApiError } from '../src/api/problem'
import { ruleFrom } from '../src/composables/ruleFrom'
import { useDialogForm } from '../src/composables/useDialogForm'

const blank = () => ({ name: '', phone: '' })

/** The part of el-form the dialog uses: its checks pass or not. */
function fakeForm(valid: boolean) {
  return {
    validate: vi.fn(() => (valid ? Promise.resolve(true) : Promise.reject(new Error('invalid')))),
    clearValidate: vi.fn(),
  }
}

function openDialog(valid = true) {
  const open = ref(true)
  const dialog = useDialogForm(open, 'test-dialog', blank)
  const form = fakeForm(valid)
  dialog.formRef.value = form as unknown as FormInstance
  return { open, dialog, form }
}

afterEach(() => sessionStorage.clear())

describe('a dialog form', () => {
  it('sends nothing while a field is wrong, and stays open', async () => {
    const { open, dialog } = openDialog(false)
    const send = vi.fn()
    expect(await dialog.save(send)).toBeNull()
    expect(send).not.toHaveBeenCalled()
    expect(open.value).toBe(true)
  })

  it('on success closes, forgets the draft and gives what was sent with the answer', async () => {
    const { open, dialog } = openDialog()
    dialog.form.model.name = ' 王芳 '
    await nextTick()
    expect(sessionStorage.getItem('qise.draft.test-dialog')).not.toBeNull()

    const saved = await dialog.save(async (draft) => {
      dialog.form.model.name = 'typed meanwhile' // the draft sent is the one checked
      return { id: `v-${draft.name.trim()}` }
    })

    expect(saved).toEqual({ draft: { name: ' 王芳 ', phone: '' }, answer: { id: 'v-王芳' } })
    expect(open.value).toBe(false)
    expect(dialog.form.model).toEqual(blank())
    await nextTick()
    expect(JSON.parse(sessionStorage.getItem('qise.draft.test-dialog') ?? '{}')).toEqual(blank())
  })

  it('keeps the draft and the dialog when the service refuses, its message beside the field', async () => {
    const { open, dialog } = openDialog()
    dialog.form.model.phone = '12'
    const refusal = new ApiError({
      status: 422,
      errors: [{ loc: ['body', 'phone'], msg: 'a phone number is 5-15 digits' }],
    })
    const saved = await dialog.save(() => Promise.reject(refusal))
    expect(saved).toBeNull()
    expect(open.value).toBe(true)
    expect(dialog.form.errors.phone).toBe('手机号应为 5–15 位数字，可带 +')
    expect(dialog.form.model.phone).toBe('12')
  })

  it('cancelled, forgets the draft and the messages and closes', () => {
    const { open, dialog, form } = openDialog()
    dialog.form.model.name = '王芳'
    dialog.form.errors.name = '必填'
    dialog.cancel()
    expect(dialog.form.model).toEqual(blank())
    expect(dialog.form.errors).toEqual({})
    expect(form.clearValidate).toHaveBeenCalled()
    expect(open.value).toBe(false)
  })
})

describe('rules from a page check', () => {
  const check = (field: 'name' | 'phone') => (field === 'name' ? '请填写姓名' : null)
  const rule = ruleFrom(check)

  function verdict(field: 'name' | 'phone'): Error | undefined {
    const done = vi.fn()
    const made = rule(field)
    ;(made.validator as (r: unknown, v: unknown, d: (e?: Error) => void) => void)({}, '', done)
    return done.mock.calls[0][0]
  }

  it("says the check's message beside the field, nothing when it is fine", () => {
    expect(verdict('name')?.message).toBe('请填写姓名')
    expect(verdict('phone')).toBeUndefined()
  })

  it('is optional and checked on blur unless told', () => {
    expect(rule('name')).toMatchObject({ required: false, trigger: 'blur' })
    expect(rule('name', true, 'change')).toMatchObject({ required: true, trigger: 'change' })
  })
})
