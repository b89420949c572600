import { describe, expect, it } from 'vitest'
import { fieldErrors, problemMessage } from '../src/api/problem'
import {
  blankOrder,
  checkOrderField,
  checkReason,
  flattenResident,
  isNotYetKnown,
  orderBody,
  type OrderDraft,
} from '../src/pages/orders/rules'

const draft = (fields: Partial<OrderDraft> = {}): OrderDraft => ({
  ...blankOrder('longquan'),
  resident_name: '赵大爷',
  resident_phone: '135 1234-5678',
  service_kind: 'elderly_care',
  description: '独居老人需要上门理发',
  ...fields,
})

describe('the order form rules', () => {
  it('accepts a good order', () => {
    for (const field of Object.keys(draft()) as (keyof OrderDraft)[]) {
      expect(checkOrderField(field, draft())).toBeNull()
    }
  })

  it('asks for what the service requires', () => {
    const empty = blankOrder()
    expect(checkOrderField('community_id', empty)).toBe('请选择社区')
    expect(checkOrderField('resident_name', draft({ resident_name: '  ' }))).toBe('请填写居民姓名')
    expect(checkOrderField('resident_phone', empty)).toBe('请填写联系电话')
    expect(checkOrderField('service_kind', empty)).toBe('请选择服务类型')
    expect(checkOrderField('description', empty)).toBe('请填写需求描述')
  })

  it('checks lengths, the phone and the price as the service does', () => {
    expect(checkOrderField('resident_name', draft({ resident_name: '张'.repeat(51) }))).toBe('姓名不能超过 50 个字')
    expect(checkOrderField('resident_phone', draft({ resident_phone: '12ab' }))).toBe('电话应为 5–15 位数字，可带 +')
    expect(checkOrderField('resident_phone', draft({ resident_phone: '+86 (0571) 8888' }))).toBeNull()
    expect(checkOrderField('resident_address', draft({ resident_address: '路'.repeat(201) }))).toBe('地址不能超过 200 个字')
    expect(checkOrderField('description', draft({ description: '字'.repeat(2001) }))).toBe('需求描述不能超过 2000 个字')
    expect(checkOrderField('price', draft({ price: 20 }))).toBe('只有有偿服务才填写价格')
    expect(checkOrderField('price', draft({ paid: true, price: -1 }))).toBe('价格应在 0–1,000,000 元之间')
    expect(checkOrderField('price', draft({ paid: true, price: 30 }))).toBeNull()
  })

  it('sends the resident nested and leaves out what is empty', () => {
    expect(orderBody(draft({ resident_address: '  ', price: 20 }))).toEqual({
      community_id: 'longquan',
      channel: 'walk_in',
      resident: { name: '赵大爷', phone: '135 1234-5678', address: null },
      service_kind: 'elderly_care',
      description: '独居老人需要上门理发',
      mode: 'door_to_door',
      urgency: 'normal',
      paid: false,
      price: null,
    })
    expect(orderBody(draft({ paid: true, price: 25, channel: 'phone' }))).toMatchObject({ paid: true, price: 25, channel: 'phone' })
  })

  it("puts the service's resident errors beside the form's fields", () => {
    const problem = flattenResident({
      status: 422,
      errors: [
        { loc: ['body', 'resident', 'phone'], msg: 'Value error, a phone number is 5 to 15 digits' },
        { loc: ['body', 'service_kind'], msg: "unknown service_kind 'haircut'; known: elderly_care" },
      ],
    })
    expect(fieldErrors(problem, Object.keys(blankOrder()))).toEqual({
      resident_phone: '填写有误（Value error, a phone number is 5 to 15 digits）',
      service_kind: '没有这种服务类型，请从列表中选择',
    })
    expect(fieldErrors(flattenResident({ status: 422, errors: [{ loc: ['body', 'resident', 'phone'], msg: 'a phone number is 5 to 15 digits' }] }), ['resident_phone'])).toEqual({
      resident_phone: '手机号应为 5–15 位数字，可带 +',
    })
  })

  it('says in Chinese why a team was refused', () => {
    const refused = { status: 422, errors: [{ loc: ['body', 'team_id'], msg: 'team 红队 is inactive' }] }
    expect(fieldErrors(refused, ['team_id'])).toEqual({ team_id: '该服务队已停用' })
    expect(problemMessage({ status: 422, errors: [{ loc: ['body', 'team_id'], msg: 'team 1 is not a team of longquan' }] })).toContain(
      '该服务队不属于本工单的社区',
    )
  })

  it('knows a community the service has not heard of yet', () => {
    expect(isNotYetKnown({ status: 422, type: 'https://qise.dev/problems/not-yet-known' })).toBe(true)
    expect(isNotYetKnown({ status: 422, type: 'https://qise.dev/problems/validation-error' })).toBe(false)
  })

  it('asks for a cancel reason of 1–500 characters', () => {
    expect(checkReason('  ')).toBe('请填写取消原因')
    expect(checkReason('因'.repeat(501))).toBe('取消原因不能超过 500 个字')
    expect(checkReason('居民已自行解决')).toBeNull()
  })
})
