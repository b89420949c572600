// Moments as the console shows them, in Chinese and the browser's time zone.

/** The day of a moment: 2025/3/8. */
export function dateText(at: string): string {
  return new Date(at).toLocaleDateString('zh-CN')
}

/** The day and time of a moment, on the 24-hour clock: 2025/3/8 14:05:00. */
export function dateTimeText(at: string): string {
  return new Date(at).toLocaleString('zh-CN', { hour12: false })
}
