import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, type Problem } from '../src/api/problem'
import { confirmed, sayProblem, sayRefusal } from '../src/composables/messages'
import { useDetail } from '../src/composables/useDetail'

const { error, confirm } = vi.hoisted(() => ({ error: vi.fn(), confirm: vi.fn() }))
vi.mock('element-plus', () => ({ ElMessage: { error }, ElMessageBox: { confirm } }))

const refused = (problem: Problem) => new ApiError(problem)

afterEach(() => {
  error.mockReset()
  confirm.mockReset()
})

describe('what a page says', () => {
  it('says a refusal as one message, nothing for a refused token, and rethrows a bug', () => {
    sayProblem(refused({ status: 409, detail: 'the team is inactive' }))
    expect(error).toHaveBeenCalledWith('该服务队已停用。')
    error.mockReset()
    sayProblem(refused({ status: 401 }))
    expect(error).not.toHaveBeenCalled()
    expect(() => sayProblem(new TypeError('a bug'))).toThrow('a bug')
  })

  it('gives the messages of the fields named, saying nothing else; other refusals as a message', () => {
    const beside = sayRefusal(refused({ status: 422, errors: [{ loc: ['body', 'reason'], msg: 'Field required' }] }), [
      'reason',
    ])
    expect(beside).toEqual({ reason: '必填' })
    expect(error).not.toHaveBeenCalled()

    expect(sayRefusal(refused({ status: 403 }), ['reason'])).toEqual({})
    expect(error).toHaveBeenCalledWith('您没有权限进行此操作。')
    error.mockReset()
    expect(sayRefusal(refused({ status: 401 }), ['reason'])).toEqual({})
    expect(error).not.toHaveBeenCalled()
  })

  it('asks before a step: yes when confirmed, no when backed out', async () => {
    confirm.mockResolvedValueOnce('confirm')
    expect(await confirmed('确定停用？', '停用', '停用')).toBe(true)
    expect(confirm).toHaveBeenCalledWith('确定停用？', '停用', {
      confirmButtonText: '停用',
      cancelButtonText: '取消',
      type: 'warning',
    })
    confirm.mockRejectedValueOnce('cancel')
    expect(await confirmed('确定取消这张工单吗？', '取消工单', '确定取消', '再想想')).toBe(false)
    expect(confirm.mock.calls[1][2]).toMatchObject({ cancelButtonText: '再想想' })
  })
})

describe('a detail page', () => {
  it('shows the record read, with a spinner while reading', async () => {
    const detail = useDetail(async () => ({ id: 't1', name: '橙色服务队' }))
    const pending = detail.load()
    expect(detail.loading.value).toBe(true)
    expect(await pending).toEqual({ id: 't1', name: '橙色服务队' })
    expect(detail.record.value?.name).toBe('橙色服务队')
    expect(detail.loading.value).toBe(false)
    expect(detail.missing.value).toBe(false)
  })

  it('is not found on a 404 (also outside the scope), without a message', async () => {
    const detail = useDetail(() => Promise.reject(refused({ status: 404 })))
    expect(await detail.load()).toBeNull()
    expect(detail.missing.value).toBe(true)
    expect(error).not.toHaveBeenCalled()
  })

  it('says another refusal and keeps what it showed; found again, it is no longer missing', async () => {
    let answer: () => Promise<{ name: string }> = async () => ({ name: '王芳' })
    const detail = useDetail(() => answer())
    await detail.load()

    answer = () => Promise.reject(refused({ status: 503 }))
    expect(await detail.load()).toBeNull()
    expect(error).toHaveBeenCalledWith('服务暂时不可用，请稍后再试。')
    expect(detail.record.value).toEqual({ name: '王芳' })

    answer = () => Promise.reject(refused({ status: 404 }))
    await detail.load()
    expect(detail.missing.value).toBe(true)
    answer = async () => ({ name: '李强' })
    await detail.load()
    expect(detail.missing.value).toBe(false)
    expect(detail.record.value).toEqual({ name: '李强' })
  })
})
