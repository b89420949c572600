// The care register (关爱对象) in Chinese: who is looked after, how often they are visited,
// and how late a visit is.
import { daysBetween } from '../orders/countdown'

export const CARE_KINDS = ['elderly_alone', 'disabled', 'left_behind_child', 'family_in_difficulty'] as const
export type CareKind = (typeof CARE_KINDS)[number]

export const CARE_KIND_NAMES: Record<string, string> = {
  elderly_alone: '独居老人',
  disabled: '残疾人',
  left_behind_child: '留守儿童',
  family_in_difficulty: '困难家庭',
}

/** The visit plan's presets: every 7, 14 or 30 days. */
export const PLAN_PRESETS: { days: number; name: string }[] = [
  { days: 7, name: '每周' },
  { days: 14, name: '每两周' },
  { days: 30, name: '每月' },
]

/** A plan in words: 「每周」 for 7 days, 「每 10 天」 otherwise. */
export function planText(days: number): string {
  return PLAN_PRESETS.find((p) => p.days === days)?.name ?? `每 ${days} 天`
}

export const CONSENT_EXPLAINED =
  '登记关爱对象会记录本人的姓名、电话、住址和家庭情况。依照《个人信息保护法》，须事先征得本人（或其监护人）同意，' +
  '说明登记的用途只是安排志愿者定期走访、提供帮助；未经同意不得登记。请在本人同意后勾选，并填写同意的日期。'

export interface Due {
  /** 'ended' for people no longer under care. */
  level: 'ok' | 'soon' | 'overdue' | 'ended'
  text: string
  /** Days past the due day (0 when not late). */
  late: number
}

/** How a person's next visit stands on `today` (YYYY-MM-DD): late by N days, due today, or in N days. */
export function visitDue(r: { status: string; next_due_on: string }, today: string): Due {
  if (r.status !== 'active') return { level: 'ended', text: '已结束关爱', late: 0 }
  const left = daysBetween(today, r.next_due_on)
  if (left < 0) return { level: 'overdue', text: `逾期 ${-left} 天`, late: -left }
  if (left === 0) return { level: 'soon', text: '今天应走访', late: 0 }
  if (left <= 2) return { level: 'soon', text: `${left} 天后应走访`, late: 0 }
  return { level: 'ok', text: `${left} 天后应走访`, late: 0 }
}

/** The filters' `overdue` as the API's: '' none, 'true', 'false'. */
export function overdueQuery(value: string): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined
}
