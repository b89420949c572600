import { describe, expect, it } from 'vitest'
import {
  careCountdown,
  daysBetween,
  localDay,
  shortTime,
  slaCountdown,
  spanText,
} from '../src/pages/orders/countdown'

const NOW = new Date('2026-11-30T10:00:00+08:00')
const MIN = 60_000
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString()
const open = (dueIn: number, extra: Partial<{ status: string; overdue: boolean }> = {}) => ({
  status: 'assigned',
  due_at: at(dueIn),
  overdue: false,
  ...extra,
})

describe('a span of time in words', () => {
  it('says days and hours, hours and minutes, or minutes', () => {
    expect(spanText((2 * 60 + 13) * MIN)).toBe('2小时13分')
    expect(spanText(35 * MIN)).toBe('35分')
    expect(spanText((71 * 60 + 59) * MIN)).toBe('2天23小时')
    expect(spanText(72 * 60 * MIN)).toBe('3天')
    expect(spanText(3 * 60 * MIN)).toBe('3小时')
    expect(spanText(59_999)).toBe('不足1分')
  })

  it('counts whole minutes passed, whichever way the time runs', () => {
    expect(spanText(-(35 * MIN + 59_000))).toBe('35分')
    expect(spanText(-1)).toBe('不足1分')
  })
})

describe("an order's SLA countdown", () => {
  it('counts down the time left of an open order', () => {
    expect(slaCountdown(open((2 * 60 + 13) * MIN + 30_000), NOW)).toEqual({ text: '剩余 2小时13分', level: 'ok' })
    expect(slaCountdown(open(72 * 60 * MIN, { status: 'submitted' }), NOW).text).toBe('剩余 3天')
  })

  it('turns orange in the last two hours', () => {
    expect(slaCountdown(open(2 * 60 * MIN + 1), NOW).level).toBe('ok')
    expect(slaCountdown(open(2 * 60 * MIN), NOW)).toEqual({ text: '剩余 2小时', level: 'soon' })
    expect(slaCountdown(open(5 * MIN, { status: 'accepted' }), NOW).level).toBe('soon')
  })

  it('says how late an order past its due time is', () => {
    expect(slaCountdown(open(-35 * MIN), NOW)).toEqual({ text: '已超时 35分', level: 'overdue' })
    expect(slaCountdown(open(0), NOW)).toEqual({ text: '已超时 不足1分', level: 'overdue' })
    expect(slaCountdown(open(-26 * 60 * MIN), NOW).text).toBe('已超时 1天2小时')
  })

  it("takes the service's overdue mark over this clock", () => {
    expect(slaCountdown(open(10 * MIN, { overdue: true }), NOW)).toEqual({ text: '已超时', level: 'overdue' })
  })

  it('says how a closed order ended, with no clock', () => {
    const due = at(-MIN * 60)
    expect(slaCountdown({ status: 'completed', due_at: due, overdue: false, completed_at: at(-MIN * 90) }, NOW)).toEqual({
      text: '按时完成',
      level: 'closed',
    })
    expect(slaCountdown({ status: 'completed', due_at: due, overdue: true, completed_at: at(-MIN * 20) }, NOW)).toEqual({
      text: '超时 40分 完成',
      level: 'closed',
    })
    expect(slaCountdown({ status: 'cancelled', due_at: due, overdue: true }, NOW)).toEqual({ text: '已取消', level: 'closed' })
  })
})

describe("a care task's due day", () => {
  const task = (due_on: string, extra: Partial<{ status: string; overdue: boolean }> = {}) => ({
    status: 'open',
    due_on,
    overdue: false,
    ...extra,
  })

  it('counts the days left, today, and the days late', () => {
    expect(careCountdown(task('2026-12-07'), '2026-11-30')).toEqual({ text: '还剩 7 天', level: 'ok' })
    expect(careCountdown(task('2026-12-02'), '2026-11-30')).toEqual({ text: '还剩 2 天', level: 'soon' })
    expect(careCountdown(task('2026-11-30'), '2026-11-30')).toEqual({ text: '今天到期', level: 'soon' })
    expect(careCountdown(task('2026-11-28'), '2026-11-30')).toEqual({ text: '已超期 2 天', level: 'overdue' })
  })

  it("takes the service's overdue mark, and says done for a done task", () => {
    expect(careCountdown(task('2026-11-30', { overdue: true }), '2026-11-30').level).toBe('overdue')
    expect(careCountdown(task('2026-11-28', { status: 'done' }), '2026-11-30')).toEqual({ text: '已完成', level: 'closed' })
  })

  it('counts calendar days across months, years and clock changes', () => {
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1)
    expect(daysBetween('2026-03-01', '2026-02-28')).toBe(-1)
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2)
    expect(localDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05')
  })
})

describe('times as the desk reads them', () => {
  it('leaves the year out for this year', () => {
    const now = new Date(2026, 10, 30, 12, 0)
    expect(shortTime(new Date(2026, 10, 30, 9, 5).toISOString(), now)).toBe('11月30日 09:05')
    expect(shortTime(new Date(2025, 11, 31, 23, 0).toISOString(), now)).toBe('2025年12月31日 23:00')
  })
})
