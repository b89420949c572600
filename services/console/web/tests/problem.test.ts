import { describe, expect, it } from 'vitest'
import { ApiError, fieldErrors, fieldMessage, problemMessage, toProblem } from '../src/api/problem'

const FIELDS = ['community_id', 'name', 'phone', 'party_joined_on', 'resident']

describe('problem+json', () => {
  it('puts each 422 error beside its field, in Chinese', () => {
    const problem = toProblem(
      {
        type: 'https://qise.dev/problems/validation-error',
        title: 'Invalid input',
        status: 422,
        detail: 'Invalid input',
        errors: [
          { loc: ['body', 'phone'], msg: 'a phone number is 5 to 15 digits, optionally after a +' },
          { loc: ['body', 'name'], msg: 'String should have at least 1 character' },
          { loc: ['body', 'party_joined_on'], msg: 'party_joined_on is before the volunteer turned 18' },
          { loc: ['body', 'resident', 'phone'], msg: 'Field required' },
          { loc: ['query', 'limit'], msg: 'Input should be less than or equal to 500' },
        ],
      },
      422,
    )
    expect(fieldErrors(problem, FIELDS)).toEqual({
      phone: '手机号应为 5–15 位数字，可带 +',
      name: '至少 1 个字',
      party_joined_on: '入党日期应在年满 18 岁之后',
      resident: '必填',
    })
  })

  it('maps the field errors of a conflict too (a duplicate phone)', () => {
    const problem = toProblem(
      { status: 409, detail: 'a volunteer with phone 138****5678 already exists in x', errors: [{ loc: ['body', 'phone'], msg: 'duplicate phone in this community' }] },
      409,
    )
    expect(fieldErrors(problem, FIELDS)).toEqual({ phone: '该社区已有使用此手机号的志愿者' })
  })

  it('says other problems in one Chinese sentence, never the raw body', () => {
    expect(problemMessage({ status: 403, detail: 'community x is outside your scope' })).toBe('您没有权限进行此操作。')
    expect(problemMessage({ status: 503, detail: '服务 registry 暂时无法连接，请稍后再试。' })).toBe(
      '服务 registry 暂时无法连接，请稍后再试。',
    )
    expect(problemMessage({ status: 422, errors: [{ loc: ['query', 'limit'], msg: 'Input should be less than or equal to 500' }] })).toBe(
      '填写的内容有误，请按提示修改：不能大于 500。',
    )
    expect(problemMessage({ status: 418 })).toBe('请求未成功（418）。')
    expect(new ApiError({ status: 500 }).message).toBe('服务出错了，请稍后再试或联系管理员。')
  })

  it('reads a body that is not problem+json (a proxy page) by its status', () => {
    expect(toProblem('<html>Bad Gateway</html>', 502)).toEqual({ status: 502 })
    expect(problemMessage(toProblem(undefined, 502))).toBe('服务应答异常，请稍后再试。')
  })

  it('keeps an unknown message visible but wrapped', () => {
    expect(fieldMessage('something new')).toBe('填写有误（something new）')
    expect(fieldMessage('已是中文')).toBe('已是中文')
  })
})
