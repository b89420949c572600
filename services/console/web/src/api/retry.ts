// A team or volunteer registered a moment ago may not have reached activities yet: it
// answers 422 `not-yet-known` with `Retry-After` and writes nothing. Sending the same
// request again after that wait is safe; the page shows a spinner meanwhile.
import { ref, type Ref } from 'vue'

export const NOT_YET_KNOWN = 'https://qise.dev/problems/not-yet-known'
/** How long to keep trying in all before showing the answer as it is. */
export const MAX_WAIT_MS = 30_000
const DEFAULT_DELAY_MS = 1_000
const MIN_DELAY_MS = 200

/** What openapi-fetch answers: the parsed body (data or error) and the response. */
export interface Answer {
  data?: unknown
  error?: unknown
  response: Response
}

export function isNotYetKnown(answer: Answer): boolean {
  if (answer.response.status !== 422) return false
  const body = answer.error
  if (typeof body !== 'object' || body === null) return false
  const type = (body as { type?: unknown }).type
  return type === NOT_YET_KNOWN || (typeof type === 'string' && type.endsWith('/not-yet-known'))
}

/** The wait `Retry-After` asks for (seconds or an HTTP date), in milliseconds. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number {
  const value = header?.trim() ?? ''
  let ms = DEFAULT_DELAY_MS
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000
  else if (value && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - now
  return Math.max(MIN_DELAY_MS, ms)
}

export interface RetryOptions {
  /** Total time to keep trying, from the first send (default 30 s). */
  maxWaitMs?: number
}

export interface NotYetKnownRetry {
  /** True from the first `not-yet-known` answer until the last try is answered. */
  waiting: Ref<boolean>
  /** Send `request`, again after each `not-yet-known` answer, until the time is up. */
  send<A extends Answer>(request: () => Promise<A>): Promise<A>
  /** Stop waiting (the page is left): the answer in hand is returned. */
  cancel(): void
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function useNotYetKnownRetry(options: RetryOptions = {}): NotYetKnownRetry {
  const maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS
  const waiting = ref(false)
  let cancelled = false

  async function send<A extends Answer>(request: () => Promise<A>): Promise<A> {
    cancelled = false
    const deadline = Date.now() + maxWaitMs
    try {
      for (;;) {
        const answer = await request()
        if (!isNotYetKnown(answer) || cancelled) return answer
        const delay = Math.min(retryAfterMs(answer.response.headers.get('Retry-After')), deadline - Date.now())
        if (delay <= 0) return answer
        waiting.value = true
        await sleep(delay)
        if (cancelled) return answer
      }
    } finally {
      waiting.value = false
    }
  }

  return {
    waiting,
    send,
    cancel() {
      cancelled = true
    },
  }
}
