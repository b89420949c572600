import { describe, expect, it } from 'vitest'
import { dateText, dateTimeText } from '../src/locales/dates'

describe('moments as the console shows them', () => {
  it('a day without leading zeros, a time on the 24-hour clock, both where the browser is', () => {
    const at = new Date(2025, 2, 8, 9, 5, 0) // local time, whatever the machine's zone
    expect(dateText(at.toISOString())).toBe('2025/3/8')
    expect(dateTimeText(at.toISOString())).toBe('2025/3/8 09:05:00')
    expect(dateTimeText(new Date(2025, 11, 31, 23, 59, 7).toISOString())).toBe('2025/12/31 23:59:07')
  })
})
