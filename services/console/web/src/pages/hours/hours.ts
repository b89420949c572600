// A volunteer's hours as the activities service answers them (`GET /volunteer-hours/{id}`),
// summed by year and by category, and filtered, for the hours page and "我的".
import type { components } from '../../api/schema/activities'

export type HoursEntry = components['schemas']['HoursEntry']

export const ACTIVITY_STATUS_NAMES: Record<string, string> = {
  logged: '待核实',
  verified: '已核实',
  voided: '已作废',
}

export const CATEGORY_COLORS: Record<string, string> = {
  red: '#d62728', orange: '#f46036', gold: '#e0a800', green: '#2ca02c',
  cyan: '#17becf', blue: '#1f77b4', purple: '#9467bd',
}

/** Sums of hours are kept to two decimals: 0.1 + 0.2 is 0.3 here. */
export function roundHours(hours: number): number {
  return Math.round(hours * 100) / 100
}

/** Hours as people write them: 12.5, 3, 0.25 (at most two decimals, no trailing zeros). */
export function formatHours(hours: number): string {
  return String(roundHours(hours))
}

/** The year an activity started in, in the browser's time zone (the county's). */
export function yearOf(entry: Pick<HoursEntry, 'started_at'>): string {
  return String(new Date(entry.started_at).getFullYear())
}

/** The day an activity started, YYYY-MM-DD in the browser's time zone. */
export function dayOf(at: string): string {
  const d = new Date(at)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export interface Tally {
  key: string
  activities: number
  hours: number
  certified: number
}

/** Activities, hours and certified (verified) hours per key, in key order. */
export function tallyBy(entries: readonly HoursEntry[], keyOf: (e: HoursEntry) => string): Tally[] {
  const found = new Map<string, Tally>()
  for (const entry of entries) {
    const key = keyOf(entry)
    const tally = found.get(key) ?? { key, activities: 0, hours: 0, certified: 0 }
    tally.activities += 1
    tally.hours = roundHours(tally.hours + entry.hours)
    if (entry.status === 'verified') tally.certified = roundHours(tally.certified + entry.hours)
    found.set(key, tally)
  }
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key))
}

/** Per year, the latest first. */
export function byYear(entries: readonly HoursEntry[]): Tally[] {
  return tallyBy(entries, yearOf).reverse()
}

/** Per category (color), in the order the categories are listed (the seven first). */
export function byCategory(entries: readonly HoursEntry[], order: readonly string[] = []): Tally[] {
  const rank = (key: string) => {
    const at = order.indexOf(key)
    return at === -1 ? order.length : at
  }
  return tallyBy(entries, (e) => e.category).sort((a, b) => rank(a.key) - rank(b.key))
}

export interface EntryFilter {
  year: string
  category: string
  status: string
}

/** The entries a filter keeps (an empty value keeps all), the latest first. */
export function filterEntries(entries: readonly HoursEntry[], filter: EntryFilter): HoursEntry[] {
  return entries
    .filter(
      (e) =>
        (!filter.year || yearOf(e) === filter.year) &&
        (!filter.category || e.category === filter.category) &&
        (!filter.status || e.status === filter.status),
    )
    .sort((a, b) => b.started_at.localeCompare(a.started_at))
}

/** The years the entries span, the latest first (for the year filter). */
export function yearsOf(entries: readonly HoursEntry[]): string[] {
  return [...new Set(entries.map(yearOf))].sort().reverse()
}

/** Totals of a set of entries: all that count, and those certified. */
export function totalsOf(entries: readonly HoursEntry[]): { hours: number; certified: number } {
  let hours = 0
  let certified = 0
  for (const e of entries) {
    hours = roundHours(hours + e.hours)
    if (e.status === 'verified') certified = roundHours(certified + e.hours)
  }
  return { hours, certified }
}
