import { describe, expect, it } from 'vitest'
import { problemMessage } from '../src/api/problem'
import {
  availabilityText,
  bookingBody,
  byDay,
  inChina,
  mondayOf,
  openOn,
  periodText,
  takenMessage,
  weekOf,
  weekdaysOpen,
  windowProblem,
} from '../src/pages/resources/words'

describe('resources words', () => {
  it('says the opening hours day by day', () => {
    expect(availabilityText([{ weekday: 2, from: '08:00', to: '12:00' }, { weekday: 1, from: '08:00', to: '18:00' }])).toBe(
      '周一 08:00–18:00；周二 08:00–12:00',
    )
    expect(availabilityText([])).toBe('未设开放时间')
    expect(weekdaysOpen()).toHaveLength(5)
  })

  it('checks a window', () => {
    expect(windowProblem({ weekday: 1, from: '08:00', to: '18:00' })).toBeNull()
    expect(windowProblem({ weekday: 1, from: '18:00', to: '08:00' })).toBe('结束时间应晚于开始时间')
    expect(windowProblem({ weekday: 0, from: '08:00', to: '18:00' })).toBe('请选择星期几')
    expect(windowProblem({ weekday: 1, from: '8:00', to: '18:00' })).toContain('时间格式')
  })

  it('finds weeks and days', () => {
    expect(mondayOf('2031-01-08')).toBe('2031-01-06')
    expect(mondayOf('2031-01-12')).toBe('2031-01-06')
    expect(weekOf('2031-01-06')).toEqual([
      '2031-01-06', '2031-01-07', '2031-01-08', '2031-01-09', '2031-01-10', '2031-01-11', '2031-01-12',
    ])
    expect(openOn(weekdaysOpen(), '2031-01-11')).toEqual([])
    expect(openOn(weekdaysOpen(), '2031-01-06')).toEqual([{ weekday: 1, from: '08:00', to: '18:00' }])
  })

  it('sends and reads China time', () => {
    const body = bookingBody({ day: '2031-01-06', from: '09:00', to: '11:00', purpose: ' 排练 ', activity_id: '' }, 'c1')
    expect(body).toEqual({
      community_id: 'c1',
      starts_at: '2031-01-06T09:00:00+08:00',
      ends_at: '2031-01-06T11:00:00+08:00',
      purpose: '排练',
      activity_id: null,
    })
    expect(inChina('2031-01-06T01:00:00Z')).toEqual({ day: '2031-01-06', clock: '09:00' })
    expect(inChina('2031-01-05T17:00:00+00:00')).toEqual({ day: '2031-01-06', clock: '01:00' })
    expect(periodText('2031-01-06T01:00:00Z', '2031-01-06T03:00:00Z')).toBe('1月6日 周一 09:00–11:00')
  })

  it('groups bookings by their China day', () => {
    const days = weekOf('2031-01-06')
    const grouped = byDay(
      [{ starts_at: '2031-01-06T03:00:00Z' }, { starts_at: '2031-01-05T17:30:00Z' }, { starts_at: '2031-02-01T00:00:00Z' }],
      days,
    )
    expect(grouped.get('2031-01-06')?.map((b) => b.starts_at)).toEqual(['2031-01-05T17:30:00Z', '2031-01-06T03:00:00Z'])
    expect([...grouped.values()].flat()).toHaveLength(2)
  })

  it('says a taken time in Chinese, naming it', () => {
    const detail = '多功能厅 is booked from 2031-01-06T01:00:00+00:00 to 2031-01-06T03:00:00+00:00 by c1'
    expect(takenMessage(detail)).toBe('该时段已被预约：多功能厅 在 1月6日 周一 09:00–11:00 已有预约，请换一个时间。')
    expect(takenMessage('something else')).toBeNull()
    expect(problemMessage({ status: 409, detail })).toContain('09:00–11:00')
    expect(problemMessage({ status: 422, errors: [{ loc: ['body', 'starts_at'], msg: "outside the resource's opening hours" }] })).toContain(
      '不在该资源的开放时间内',
    )
  })
})
