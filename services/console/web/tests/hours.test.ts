import { describe, expect, it } from 'vitest'
import {
  chineseDate,
  fileNameFrom,
  isoFromChinese,
  periodQuery,
  periodText,
  readCertificate,
} from '../src/pages/hours/certificate'
import {
  byCategory,
  byYear,
  filterEntries,
  formatHours,
  totalsOf,
  yearsOf,
  type HoursEntry,
} from '../src/pages/hours/hours'
import { byUrgency, dueText, nextMove } from '../src/pages/hours/orders'

function entry(fields: Partial<HoursEntry>): HoursEntry {
  return {
    activity_id: 'a',
    title: '义诊进社区',
    kind: 'free_clinic',
    category: 'orange',
    team_id: 't',
    started_at: '2025-06-01T09:00:00+08:00',
    ended_at: '2025-06-01T11:00:00+08:00',
    hours: 2,
    status: 'verified',
    ...fields,
  }
}

// As services/activities/certificate.py renders them (style left out).
const ISSUED = `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>志愿服务证明 QS-longquan-2026-000012</title></head><body>
<p class="number">证明编号：QS-longquan-2026-000012　核验码：K7QP-3XWM</p><h1>志愿服务证明</h1>
<div class="issuer"><table><tr><th>出具单位：</th><td>龙泉社区</td></tr><tr><th>负责人：</th><td>________</td></tr>
<tr><th>经办人：</th><td>________</td></tr><tr><th>出具日期：</th><td>2026年1月2日</td></tr></table>
<div class="seal">（单位印章）</div></div></body></html>`
const PREVIEW = `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<div class="watermark" aria-hidden="true">预览</div>
<p class="preview">预览（2026年1月2日）：本证明尚未出具，没有证明编号，不能作为证明使用。</p>
<p class="number">证明编号：（未编号，预览）</p>
<div class="issuer"><table><tr><th>出具日期：</th><td>（尚未出具）</td></tr></table></div></body></html>`

describe('volunteer hours', () => {
  const entries = [
    entry({ activity_id: '1', started_at: '2024-12-31T20:00:00+08:00', hours: 1.5, category: 'red' }),
    entry({ activity_id: '2', started_at: '2025-03-01T09:00:00+08:00', hours: 0.1, status: 'logged' }),
    entry({ activity_id: '3', started_at: '2025-04-01T09:00:00+08:00', hours: 0.2 }),
  ]

  it('sums per year, the latest year first, certified apart', () => {
    expect(byYear(entries)).toEqual([
      { key: '2025', activities: 2, hours: 0.3, certified: 0.2 },
      { key: '2024', activities: 1, hours: 1.5, certified: 1.5 },
    ])
  })

  it('sums per category in the registry order, unknown ones last', () => {
    const tallies = byCategory([...entries, entry({ category: 'silver', hours: 1 })], ['red', 'orange'])
    expect(tallies.map((t) => [t.key, t.hours])).toEqual([
      ['red', 1.5],
      ['orange', 0.3],
      ['silver', 1],
    ])
  })

  it('filters by year, category and status, the latest first', () => {
    expect(filterEntries(entries, { year: '2025', category: '', status: '' }).map((e) => e.activity_id)).toEqual(['3', '2'])
    expect(filterEntries(entries, { year: '', category: 'red', status: '' }).map((e) => e.activity_id)).toEqual(['1'])
    expect(filterEntries(entries, { year: '', category: '', status: 'logged' }).map((e) => e.activity_id)).toEqual(['2'])
    expect(yearsOf(entries)).toEqual(['2025', '2024'])
  })

  it('writes hours without float noise or trailing zeros', () => {
    expect(totalsOf(entries)).toEqual({ hours: 1.8, certified: 1.7 })
    expect(formatHours(0.1 + 0.2)).toBe('0.3')
    expect(formatHours(12)).toBe('12')
    expect(formatHours(2.25)).toBe('2.25')
  })
})

describe('certificate', () => {
  it('reads the number and issue date of an issued certificate', () => {
    expect(readCertificate(ISSUED)).toEqual({
      number: 'QS-longquan-2026-000012',
      issuedOn: '2026-01-02',
      checkCode: 'K7QP-3XWM',
    })
  })

  it('reads a preview as not issued', () => {
    expect(readCertificate(PREVIEW)).toEqual({ number: null, issuedOn: null })
    expect(readCertificate('<p>not a certificate</p>')).toEqual({ number: null, issuedOn: null })
  })

  it('converts the dates it writes', () => {
    expect(isoFromChinese('2026年1月2日')).toBe('2026-01-02')
    expect(isoFromChinese('（尚未出具）')).toBeNull()
    expect(chineseDate('2026-01-02')).toBe('2026年1月2日')
  })

  it('names the file as the service does', () => {
    expect(fileNameFrom('inline; filename="QS-longquan-2026-000012.pdf"', 'x.pdf')).toBe('QS-longquan-2026-000012.pdf')
    expect(fileNameFrom("attachment; filename*=UTF-8''%E8%AF%81%E6%98%8E.pdf", 'x.pdf')).toBe('证明.pdf')
    expect(fileNameFrom(null, 'x.pdf')).toBe('x.pdf')
    expect(fileNameFrom('inline', 'x.pdf')).toBe('x.pdf')
  })

  it('asks for the period given, in words as on the certificate', () => {
    expect(periodQuery({ from: '', to: '' })).toEqual({})
    expect(periodQuery({ from: '2025-01-01', to: '' })).toEqual({ from: '2025-01-01' })
    expect(periodText({ from: '', to: '' })).toBe('全部')
    expect(periodText({ from: '2025-01-01', to: '2025-12-31' })).toBe('2025年1月1日 至 2025年12月31日')
    expect(periodText({ from: '', to: '2025-12-31' })).toBe('截至 2025年12月31日')
  })
})

describe('orders on a phone', () => {
  const now = new Date('2026-01-02T10:00:00+08:00')

  it('counts down to the due time, then up', () => {
    expect(dueText('2026-01-02T12:30:00+08:00', now)).toEqual({ overdue: false, text: '剩余 2 小时 30 分' })
    expect(dueText('2026-01-04T11:00:00+08:00', now)).toEqual({ overdue: false, text: '剩余 2 天 1 小时' })
    expect(dueText('2026-01-02T10:00:20+08:00', now)).toEqual({ overdue: false, text: '剩余 1 分钟' })
    expect(dueText('2026-01-02T09:15:00+08:00', now)).toEqual({ overdue: true, text: '已超时 45 分钟' })
  })

  it('offers the leader the next move only', () => {
    expect(nextMove({ status: 'assigned' })).toBe('accept')
    expect(nextMove({ status: 'accepted' })).toBe('complete')
    expect(nextMove({ status: 'completed' })).toBeNull()
    expect(nextMove({ status: 'submitted' })).toBeNull()
  })

  it('puts overdue, then urgent, then the earliest due first', () => {
    const orders = [
      { id: 'late-normal', overdue: false, urgency: 'normal', due_at: '2026-01-03T00:00:00Z' },
      { id: 'soon-normal', overdue: false, urgency: 'normal', due_at: '2026-01-02T00:00:00Z' },
      { id: 'urgent', overdue: false, urgency: 'urgent', due_at: '2026-01-05T00:00:00Z' },
      { id: 'overdue', overdue: true, urgency: 'normal', due_at: '2026-01-01T00:00:00Z' },
    ]
    expect(byUrgency(orders).map((o) => o.id)).toEqual(['overdue', 'urgent', 'soon-normal', 'late-normal'])
  })
})
