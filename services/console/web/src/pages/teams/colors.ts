// The seven colors of service (services/registry/categories.py) as the console shows them:
// each category's own color, its Chinese name, and the seven first in their order.

export const SEVEN_COLORS = ['red', 'orange', 'gold', 'green', 'cyan', 'blue', 'purple'] as const

const COLORS: Record<string, string> = {
  red: '#d4380d',
  orange: '#fa8c16',
  gold: '#d4a106',
  green: '#389e0d',
  cyan: '#08979c',
  blue: '#1d39c4',
  purple: '#722ed1',
}

/** The names the registry gives the seven by default, until GET /categories answers. */
export const DEFAULT_CATEGORY_NAMES: Record<string, string> = {
  red: '红色先锋',
  orange: '橙色关爱',
  gold: '金色创业',
  green: '绿色环保',
  cyan: '青色应急',
  blue: '蓝色平安',
  purple: '紫色文体',
}

const OTHER = '#909399'

/** The color of a category; a category a county added later is grey. */
export function categoryColor(code: string): string {
  return COLORS[code] ?? OTHER
}

/** The seven in their order, then any others by code. */
export function sortCategories<T extends { code: string }>(categories: readonly T[]): T[] {
  const rank = (code: string) => {
    const at = (SEVEN_COLORS as readonly string[]).indexOf(code)
    return at === -1 ? SEVEN_COLORS.length : at
  }
  return [...categories].sort((a, b) => rank(a.code) - rank(b.code) || a.code.localeCompare(b.code))
}

/** A category's name: the registry's, else the default, else its code. */
export function categoryName(code: string, names: ReadonlyMap<string, string>): string {
  return names.get(code) ?? DEFAULT_CATEGORY_NAMES[code] ?? code
}
