import { describe, expect, it } from 'vitest'
import {
  BOARD_DEFAULTS,
  areaFromKey,
  areaKey,
  areaLabel,
  areaOptions,
  areaQuery,
  categoryChart,
  countFigures,
  defaultArea,
  formatFigure,
  formatRate,
  formatRating,
  isoDay,
  monthOf,
  monthRange,
  periodLabel,
  readBoardQuery,
  seriesTotal,
  writeBoardQuery,
} from '../src/pages/dashboard/board'

describe('the board in the URL', () => {
  it('reads scope, period and what the charts show', () => {
    expect(
      readBoardQuery({
        scope: 'community',
        id: 'longquan',
        from: '2025-03-01',
        to: '2025-03-31',
        metric: 'people_served',
        interval: 'week',
        by: 'activities',
        other: 'x',
      }),
    ).toEqual({
      area: { scope: 'community', id: 'longquan' },
      from: '2025-03-01',
      to: '2025-03-31',
      metric: 'people_served',
      interval: 'week',
      by: 'activities',
    })
  })

  it('leaves out what it cannot use and puts a reversed period right', () => {
    expect(readBoardQuery({})).toEqual(BOARD_DEFAULTS)
    const bad = readBoardQuery({ scope: 'branch', from: '2025-02-30', to: 'soon', metric: 'x', interval: 'year', by: '' })
    expect(bad).toEqual(BOARD_DEFAULTS) // a branch needs its id; no such day; unknown names
    expect(readBoardQuery({ scope: 'county', id: 'ignored' }).area).toEqual({ scope: 'county', id: null })
    const reversed = readBoardQuery({ from: '2025-04-30', to: '2025-04-01' })
    expect([reversed.from, reversed.to]).toEqual(['2025-04-01', '2025-04-30'])
    expect(readBoardQuery({ scope: ['community', 'county'], id: ['a', 'b'] }).area).toEqual({ scope: 'community', id: 'a' })
  })

  it('writes only what differs from the defaults, and round-trips', () => {
    expect(writeBoardQuery(BOARD_DEFAULTS)).toEqual({})
    const state = {
      area: { scope: 'branch' as const, id: '东城大支部' },
      from: '2025-01-01',
      to: null,
      metric: 'volunteer_hours' as const,
      interval: 'month' as const,
      by: 'teams' as const,
    }
    const query = writeBoardQuery(state)
    expect(query).toEqual({ scope: 'branch', id: '东城大支部', from: '2025-01-01', metric: 'volunteer_hours', interval: 'month', by: 'teams' })
    expect(readBoardQuery(query as Record<string, string>)).toEqual(state)
    expect(writeBoardQuery({ ...BOARD_DEFAULTS, area: { scope: 'county', id: null } })).toEqual({ scope: 'county' })
  })

  it('asks the stats API with an id only where the scope has one', () => {
    expect(areaQuery({ scope: 'county', id: null }, null, null)).toEqual({ scope: 'county' })
    expect(areaQuery({ scope: 'community', id: 'c1' }, '2025-01-01', '2025-01-31')).toEqual({
      scope: 'community',
      id: 'c1',
      from: '2025-01-01',
      to: '2025-01-31',
    })
  })

  it('knows a real day', () => {
    expect(isoDay('2024-02-29')).toBe('2024-02-29')
    expect(isoDay('2025-02-29')).toBeNull()
    expect(isoDay('2025-1-01')).toBeNull()
    expect(isoDay(undefined)).toBeNull()
  })
})

describe('scopes', () => {
  const areas = {
    county: true,
    county_scope: true,
    branches: ['chengnan', '东城大支部'],
    branch_names: { chengnan: '城南社区大支部', 东城大支部: '东城大支部' },
    communities: [
      { id: 'chengnan1', name: '城南一社区', branch: 'chengnan', branch_name: '城南社区大支部' },
      { id: 'longquan', name: '龙泉社区', branch: '东城大支部' },
      { id: 'xinglong', name: '兴隆社区', branch: null },
    ],
  }

  it('offers the county, the branches by name, then the communities', () => {
    expect(areaOptions(areas).map((o) => [o.key, o.label])).toEqual([
      ['county:', '全县'],
      ['branch:chengnan', '城南社区大支部（大支部）'],
      ['branch:东城大支部', '东城大支部（大支部）'],
      ['community:chengnan1', '城南一社区'],
      ['community:longquan', '龙泉社区'],
      ['community:xinglong', '兴隆社区'],
    ])
    expect(areaOptions({ ...areas, county: false, county_scope: false, branches: [] }).map((o) => o.key)).toEqual([
      'community:chengnan1',
      'community:longquan',
      'community:xinglong',
    ])
    // A branch whose record stats has not seen yet: by its id.
    const unnamed = { ...areas, branch_names: {} }
    expect(areaOptions(unnamed)[1].label).toBe('chengnan（大支部）')
  })

  it('keys round-trip, branch names with a colon included', () => {
    for (const area of [
      { scope: 'county' as const, id: null },
      { scope: 'branch' as const, id: '一:二' },
      { scope: 'community' as const, id: 'c1' },
    ]) {
      expect(areaFromKey(areaKey(area))).toEqual(area)
    }
    expect(areaFromKey('community:')).toBeNull()
    expect(areaFromKey('planet:x')).toBeNull()
  })

  it('opens on the county for a county-wide token, else on its first community', () => {
    expect(defaultArea(['*'])).toEqual({ scope: 'county', id: null })
    expect(defaultArea(['longquan', 'xinglong'])).toEqual({ scope: 'community', id: 'longquan' })
  })

  it('names an area from the options, or by its id', () => {
    const options = areaOptions(areas)
    expect(areaLabel({ scope: 'community', id: 'longquan' }, options)).toBe('龙泉社区')
    expect(areaLabel({ scope: 'community', id: 'elsewhere' }, options)).toBe('elsewhere')
    expect(areaLabel({ scope: 'county', id: null }, [])).toBe('全县')
  })
})

describe('periods', () => {
  it('turns a month into its first and last day', () => {
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
    expect(monthRange('2025-02')).toEqual({ from: '2025-02-01', to: '2025-02-28' })
    expect(monthRange('2025-12')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(monthRange('2025-13')).toBeNull()
    expect(monthRange('')).toBeNull()
  })

  it('sees a whole month as that month', () => {
    expect(monthOf('2025-04-01', '2025-04-30')).toBe('2025-04')
    expect(monthOf('2025-04-01', '2025-04-29')).toBeNull()
    expect(monthOf('2025-04-01', null)).toBeNull()
  })

  it('says the period in words', () => {
    expect(periodLabel(null, null)).toBe('全部时间')
    expect(periodLabel('2025-03-01', '2025-03-31')).toBe('2025年3月')
    expect(periodLabel('2025-03-01', '2025-03-15')).toBe('2025-03-01 至 2025-03-15')
    expect(periodLabel('2025-03-01', null)).toBe('2025-03-01 起')
    expect(periodLabel(null, '2025-03-15')).toBe('截至 2025-03-15')
  })
})

describe('figures', () => {
  it('writes numbers with separators and at most one decimal', () => {
    expect(formatFigure(1260)).toBe('1,260')
    expect(formatFigure(12.25)).toBe('12.3')
    expect(formatFigure(4)).toBe('4')
    expect(formatRate(0.9231)).toBe('92.3%')
    expect(formatRate(1)).toBe('100%')
    expect(formatRate(null)).toBe('—')
    expect(formatRating(5)).toBe('5.0 分')
    expect(formatRating(undefined)).toBe('—')
  })

  it('lists the counts of a part of the overview under their labels, none without it', () => {
    const care = { under_care: 1260, visits: 3, overdue: 0 }
    expect(countFigures(care, [['under_care', '关爱中'], ['overdue', '逾期未访']])).toEqual([
      { key: 'under_care', label: '关爱中', value: 1260, text: '1,260' },
      { key: 'overdue', label: '逾期未访', value: 0, text: '0' },
    ])
    expect(countFigures(undefined, [['under_care', '关爱中']])).toEqual([])
  })

  it('draws each color in its own color, a color it does not know in grey', () => {
    const rows = [
      { category: 'orange', name: '橙色', teams: 1, volunteers: 2, activities: 3, people_served: 4, volunteer_hours: 5, certified_hours: 0, requests: 0 },
      { category: 'silver', name: '银色', teams: 0, volunteers: 0, activities: 1, people_served: 0, volunteer_hours: 0, certified_hours: 0, requests: 0 },
    ]
    const option = categoryChart(rows, 'activities')
    expect(option.yAxis.data).toEqual(['橙色', '银色'])
    expect(option.series[0].data).toEqual([
      { value: 3, itemStyle: { color: '#f46036' } },
      { value: 1, itemStyle: { color: '#909399' } },
    ])
  })

  it('sums a series as the API rounds it', () => {
    expect(seriesTotal([{ period: 'a', value: 0.1 }, { period: 'b', value: 0.2 }])).toBe(0.3)
    expect(seriesTotal([])).toBe(0)
  })
})
