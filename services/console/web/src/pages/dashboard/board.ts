// The dashboard's and the report's state in the URL (scope, period, what the charts show),
// the scopes a token may choose, and the figures as the page writes them. Plain functions.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { components } from '../../api/schema/stats'

export type Areas = components['schemas']['Areas']
export type Scope = 'county' | 'branch' | 'community'
export type Metric =
  | 'activities'
  | 'people_served'
  | 'volunteer_hours'
  | 'certified_hours'
  | 'requests_submitted'
  | 'requests_completed'
  | 'income'
export type Interval = 'day' | 'week' | 'month'
/** What the seven colors' chart compares. */
export type Measure = 'volunteers' | 'teams' | 'activities' | 'people_served' | 'volunteer_hours'

export const METRICS: Record<Metric, { label: string; unit: string }> = {
  activities: { label: '活动次数', unit: '次' },
  people_served: { label: '服务人次', unit: '人次' },
  volunteer_hours: { label: '服务时长', unit: '小时' },
  certified_hours: { label: '认证时长', unit: '小时' },
  requests_submitted: { label: '受理订单', unit: '件' },
  requests_completed: { label: '办结订单', unit: '件' },
  income: { label: '服务收入', unit: '元' },
}
export const INTERVALS: Record<Interval, string> = { day: '日', week: '周', month: '月' }
export const MEASURES: Record<Measure, { label: string; unit: string }> = {
  volunteers: { label: '志愿者', unit: '人' },
  teams: { label: '服务队', unit: '支' },
  activities: { label: '活动', unit: '次' },
  people_served: { label: '服务人次', unit: '人次' },
  volunteer_hours: { label: '服务时长', unit: '小时' },
}
/** The seven colors as the source document draws them. */
export const CATEGORY_COLORS: Record<string, string> = {
  red: '#d62728',
  orange: '#f46036',
  gold: '#e0a800',
  green: '#2ca02c',
  cyan: '#17becf',
  blue: '#1f77b4',
  purple: '#9467bd',
}
export const OTHER_COLOR = '#909399'

/** A scope with its id: the county (no id), a branch, or a community. */
export interface Area {
  scope: Scope
  id: string | null
}

export interface BoardState {
  /** Null: the token's own default (see `defaultArea`). */
  area: Area | null
  from: string | null
  to: string | null
  metric: Metric
  interval: Interval
  by: Measure
}

export const BOARD_DEFAULTS: BoardState = {
  area: null,
  from: null,
  to: null,
  metric: 'activities',
  interval: 'day',
  by: 'activities',
}

function first(value: LocationQuery[string] | undefined): string | null {
  const one = Array.isArray(value) ? value[0] : value
  return one ?? null
}

function oneOf<T extends string>(value: string | null, allowed: Record<T, unknown>, fallback: T): T {
  return value !== null && Object.hasOwn(allowed, value) ? (value as T) : fallback
}

/** A real calendar day written YYYY-MM-DD, or null. */
export function isoDay(value: string | null | undefined): string | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null
  const [y, m, d] = value.split('-').map(Number)
  const day = new Date(Date.UTC(y, m - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d
    ? value
    : null
}

function readArea(query: LocationQuery): Area | null {
  const scope = first(query.scope)
  const id = first(query.id)?.trim() || null
  if (scope === 'county') return { scope, id: null }
  if ((scope === 'branch' || scope === 'community') && id) return { scope, id }
  return null
}

/** The board's state from a URL query: bad values left out or defaulted, a reversed period put right. */
export function readBoardQuery(query: LocationQuery): BoardState {
  let from = isoDay(first(query.from))
  let to = isoDay(first(query.to))
  if (from && to && from > to) [from, to] = [to, from]
  return {
    area: readArea(query),
    from,
    to,
    metric: oneOf(first(query.metric), METRICS, BOARD_DEFAULTS.metric),
    interval: oneOf(first(query.interval), INTERVALS, BOARD_DEFAULTS.interval),
    by: oneOf(first(query.by), MEASURES, BOARD_DEFAULTS.by),
  }
}

/** The URL query for a state; defaults left out so a plain board keeps a plain address. */
export function writeBoardQuery(state: BoardState): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (state.area) {
    query.scope = state.area.scope
    if (state.area.id) query.id = state.area.id
  }
  if (state.from) query.from = state.from
  if (state.to) query.to = state.to
  if (state.metric !== BOARD_DEFAULTS.metric) query.metric = state.metric
  if (state.interval !== BOARD_DEFAULTS.interval) query.interval = state.interval
  if (state.by !== BOARD_DEFAULTS.by) query.by = state.by
  return query
}

/** The stats API's query for an area and period (`id` only where the scope has one). */
export function areaQuery(area: Area, from: string | null, to: string | null) {
  return {
    scope: area.scope,
    ...(area.id ? { id: area.id } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  }
}

// ---------------------------------------------------------------- scopes

/** An area as one string, for a select's value: "county:", "branch:东城大支部", "community:longquan". */
export function areaKey(area: Area): string {
  return `${area.scope}:${area.id ?? ''}`
}

export function areaFromKey(key: string): Area | null {
  const at = key.indexOf(':')
  const scope = key.slice(0, at)
  const id = key.slice(at + 1) || null
  if (scope === 'county') return { scope, id: null }
  if ((scope === 'branch' || scope === 'community') && id) return { scope, id }
  return null
}

export interface AreaOption {
  key: string
  label: string
  area: Area
}

/** The scopes the stats service lets this token see: the county, then branches, then communities. */
export function areaOptions(areas: Areas): AreaOption[] {
  const options: AreaOption[] = []
  if (areas.county) options.push({ key: 'county:', label: '全县', area: { scope: 'county', id: null } })
  for (const branch of areas.branches) {
    const area: Area = { scope: 'branch', id: branch }
    const name = areas.branch_names?.[branch] ?? branch
    options.push({ key: areaKey(area), label: `${name}（大支部）`, area })
  }
  for (const c of areas.communities) {
    const area: Area = { scope: 'community', id: c.id }
    options.push({ key: areaKey(area), label: c.name, area })
  }
  return options
}

/** Where a board opens: the whole county for a county-wide token, else its first community. */
export function defaultArea(communities: readonly string[]): Area {
  if (communities.includes('*') || communities.length === 0) return { scope: 'county', id: null }
  return { scope: 'community', id: communities[0] }
}

/** The area's name for headings: from the options when known, else its id. */
export function areaLabel(area: Area, options: readonly AreaOption[]): string {
  const known = options.find((o) => o.key === areaKey(area))
  if (known) return known.label
  return area.scope === 'county' ? '全县' : (area.id ?? '')
}

// ---------------------------------------------------------------- periods

/** The first and last day of a month written YYYY-MM. */
export function monthRange(month: string): { from: string; to: string } | null {
  const match = /^(\d{4})-(\d{2})$/.exec(month)
  if (!match) return null
  const [y, m] = [Number(match[1]), Number(match[2])]
  if (m < 1 || m > 12) return null
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return { from: `${match[1]}-${match[2]}-01`, to: `${match[1]}-${match[2]}-${String(last).padStart(2, '0')}` }
}

/** The month a period is, when it is exactly one whole month; else null. */
export function monthOf(from: string | null, to: string | null): string | null {
  if (!from || !to) return null
  const range = monthRange(from.slice(0, 7))
  return range && range.from === from && range.to === to ? from.slice(0, 7) : null
}

/** The period in words: 全部时间, 2025年3月, 2025-03-01 至 2025-03-15, 2025-03-01 起, 截至 2025-03-15. */
export function periodLabel(from: string | null, to: string | null): string {
  const month = monthOf(from, to)
  if (month) return `${Number(month.slice(0, 4))}年${Number(month.slice(5))}月`
  if (from && to) return `${from} 至 ${to}`
  if (from) return `${from} 起`
  if (to) return `截至 ${to}`
  return '全部时间'
}

// ---------------------------------------------------------------- figures

/** A figure as the page writes it: thousands separators, at most one decimal. */
export function formatFigure(value: number): string {
  return value.toLocaleString('zh-CN', { maximumFractionDigits: 1 })
}

/** A fraction (0.9231) as a percent with at most one decimal; — when there is none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  return `${(rate * 100).toLocaleString('zh-CN', { maximumFractionDigits: 1 })}%`
}

export function formatRating(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : `${score.toFixed(1)} 分`
}

/** A small figure of a section (居民点单, 关爱对象 …): its number and how the page writes it. */
export interface Figure {
  key: string
  label: string
  value: number | null | undefined
  text: string
}

/** The counts of one part of the overview, under their labels; none while it is not there. */
export function countFigures<K extends string>(
  part: Record<K, number> | null | undefined,
  labels: readonly (readonly [K, string])[],
): Figure[] {
  if (!part) return []
  return labels.map(([key, label]) => ({ key, label, value: part[key], text: formatFigure(part[key]) }))
}

/** A moment in the reader's own time: 2025/03/01 08:30. */
export function formatMoment(iso: string | null | undefined): string {
  if (!iso) return '暂无数据'
  return new Date(iso).toLocaleString('zh-CN', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  })
}

// ---------------------------------------------------------------- charts

type CategoryFigures = components['schemas']['CategoryFigures']
type Point = components['schemas']['Point']

/** The seven colors' bars for one measure, each in its own color, names down the side
 * (they stay readable on a phone). */
export function categoryChart(rows: readonly CategoryFigures[], by: Measure) {
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${formatFigure(v)} ${MEASURES[by].unit}` },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: by === 'volunteer_hours' ? 0 : 1 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name), axisTick: { show: false } },
    series: [
      {
        name: MEASURES[by].label,
        type: 'bar',
        barMaxWidth: 22,
        label: { show: true, position: 'right', formatter: ({ value }: { value: number }) => formatFigure(value) },
        data: rows.map((r) => ({ value: r[by], itemStyle: { color: CATEGORY_COLORS[r.category] ?? OTHER_COLOR } })),
      },
    ],
  }
}

/** A metric over time, one point per period the API lists. */
export function seriesChart(points: readonly Point[], metric: Metric) {
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${formatFigure(v)} ${METRICS[metric].unit}` },
    grid: { left: 8, right: 40, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: points.map((p) => p.period), boundaryGap: false },
    yAxis: { type: 'value', minInterval: metric.endsWith('hours') ? 0 : 1 },
    series: [
      {
        name: METRICS[metric].label,
        type: 'line',
        areaStyle: { opacity: 0.15 },
        itemStyle: { color: '#c0392b' },
        data: points.map((p) => p.value),
      },
    ],
  }
}

/** The sum of a series, rounded as the API rounds (two decimals). */
export function seriesTotal(points: readonly Point[]): number {
  return Math.round(points.reduce((sum, p) => sum + p.value, 0) * 100) / 100
}

/** An open order's status as the desk says it. */
export const OPEN_STATUS_NAMES: Record<string, string> = {
  submitted: '待派单',
  assigned: '已派单',
  accepted: '已接单',
}

/** What the time series covers when no period is chosen (the stats service's default span). */
export function defaultSpanLabel(interval: Interval): string {
  return { day: '近 30 天', week: '近 12 周', month: '近一年' }[interval]
}
