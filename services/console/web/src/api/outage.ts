// Which services the console cannot reach just now, for the shell's banner, and the
// loads to run again when someone presses 重试. A service is unreachable when the console
// answers for it 502, 503 or 504 (no connection, a broken or late answer), or when the
// browser cannot reach the console at all; any other answer from it means it is back.
import { getCurrentInstance, onBeforeUnmount, reactive, readonly } from 'vue'
import { ApiError } from './problem'

export const UNREACHABLE_STATUSES: readonly number[] = [502, 503, 504]

const state = reactive({ down: [] as string[] })
const loads = new Set<() => unknown>()

/** The services not reached, in the order they failed. */
export const outage = readonly(state)

/** The service an address of the console's API names: /api/<service>/... */
export function serviceOf(url: string): string | null {
  const path = new URL(url, 'http://localhost').pathname
  return path.match(/^\/api\/([^/]+)\//)?.[1] ?? null
}

export function isUnreachableStatus(status: number): boolean {
  return UNREACHABLE_STATUSES.includes(status)
}

/** Note how a service answered: an unreachable status puts it on the banner, any other takes it off. */
export function noteAnswer(service: string, status: number): void {
  const at = state.down.indexOf(service)
  if (isUnreachableStatus(status)) {
    if (at < 0) state.down.push(service)
  } else if (at >= 0) {
    state.down.splice(at, 1)
  }
}

/** True when an error is a service being out of reach (the banner says so; no toast needed). */
export function isOutage(error: unknown): boolean {
  return error instanceof ApiError && isUnreachableStatus(error.problem.status)
}

/** Run `load` again on 重试; the returned function stops that. */
export function onRetry(load: () => unknown): () => void {
  loads.add(load)
  return () => loads.delete(load)
}

/** In a component: its loads run again on 重试 while it is shown. */
export function retryWhenBack(load: () => unknown): void {
  const stop = onRetry(load)
  if (getCurrentInstance()) onBeforeUnmount(stop)
}

/**
 * 重试: forget what failed and run the registered loads again (their answers put any
 * service still out of reach back on the banner). Resolves to how many loads ran.
 */
export async function retry(): Promise<number> {
  state.down.splice(0)
  const again = [...loads]
  await Promise.allSettled(again.map(async (load) => load()))
  return again.length
}

/** Back to no outage and no loads (tests, sign-out). */
export function resetOutage(): void {
  state.down.splice(0)
  loads.clear()
}
