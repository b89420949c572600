import { describe, expect, it } from 'vitest'
import { overdueQuery, planText, visitDue } from '../src/pages/care-register/words'

describe('care register words', () => {
  it('names plans', () => {
    expect(planText(7)).toBe('每周')
    expect(planText(14)).toBe('每两周')
    expect(planText(30)).toBe('每月')
    expect(planText(10)).toBe('每 10 天')
  })

  it('says how a visit stands', () => {
    expect(visitDue({ status: 'active', next_due_on: '2031-01-01' }, '2031-01-04')).toEqual({ level: 'overdue', text: '逾期 3 天', late: 3 })
    expect(visitDue({ status: 'active', next_due_on: '2031-01-04' }, '2031-01-04').text).toBe('今天应走访')
    expect(visitDue({ status: 'active', next_due_on: '2031-01-06' }, '2031-01-04').level).toBe('soon')
    expect(visitDue({ status: 'active', next_due_on: '2031-01-14' }, '2031-01-04')).toEqual({ level: 'ok', text: '10 天后应走访', late: 0 })
    expect(visitDue({ status: 'ended', next_due_on: '2031-01-01' }, '2031-01-04').level).toBe('ended')
  })

  it('reads the overdue filter', () => {
    expect(overdueQuery('true')).toBe(true)
    expect(overdueQuery('false')).toBe(false)
    expect(overdueQuery('')).toBeUndefined()
  })
})
