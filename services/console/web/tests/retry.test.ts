import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NOT_YET_KNOWN, isNotYetKnown, retryAfterMs, useNotYetKnownRetry } from '../src/api/retry'

function answer(status: number, body: unknown, retryAfter?: string) {
  const headers = new Headers(retryAfter ? { 'Retry-After': retryAfter } : {})
  const response = new Response(null, { status, headers })
  return status < 400 ? { data: body, response } : { error: body, response }
}

const notYetKnown = (retryAfter = '1') =>
  answer(422, { type: NOT_YET_KNOWN, status: 422, detail: 'team is not known here yet' }, retryAfter)

describe('not-yet-known answers', () => {
  it('knows one by its status and problem type', () => {
    expect(isNotYetKnown(notYetKnown())).toBe(true)
    expect(isNotYetKnown(answer(422, { type: 'https://qise.dev/problems/validation-error' }))).toBe(false)
    expect(isNotYetKnown(answer(409, { type: NOT_YET_KNOWN }))).toBe(false)
    expect(isNotYetKnown(answer(422, '<html>'))).toBe(false)
    expect(isNotYetKnown(answer(201, { id: 'x' }))).toBe(false)
  })

  it('reads Retry-After as seconds or a date, with a floor and a default', () => {
    expect(retryAfterMs('2')).toBe(2000)
    expect(retryAfterMs('0')).toBe(200)
    expect(retryAfterMs(null)).toBe(1000)
    expect(retryAfterMs('soon')).toBe(1000)
    const now = Date.parse('2025-06-01T00:00:00Z')
    expect(retryAfterMs('Sun, 01 Jun 2025 00:00:03 GMT', now)).toBe(3000)
  })
})

describe('useNotYetKnownRetry', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends again after Retry-After until the answer is another, waiting meanwhile', async () => {
    const request = vi
      .fn()
      .mockResolvedValueOnce(notYetKnown('1'))
      .mockResolvedValueOnce(notYetKnown('2'))
      .mockResolvedValueOnce(answer(201, { id: 'a1' }))
    const retry = useNotYetKnownRetry()
    const sent = retry.send(request)

    await vi.advanceTimersByTimeAsync(0)
    expect(request).toHaveBeenCalledTimes(1)
    expect(retry.waiting.value).toBe(true)
    await vi.advanceTimersByTimeAsync(999)
    expect(request).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(request).toHaveBeenCalledTimes(2)
    expect(retry.waiting.value).toBe(true)
    await vi.advanceTimersByTimeAsync(2000)
    expect(request).toHaveBeenCalledTimes(3)

    const result = await sent
    expect(result.data).toEqual({ id: 'a1' })
    expect(retry.waiting.value).toBe(false)
  })

  it('does not wait for an answer that is not not-yet-known', async () => {
    const invalid = answer(422, { type: 'https://qise.dev/problems/validation-error' })
    const request = vi.fn().mockResolvedValue(invalid)
    const retry = useNotYetKnownRetry()
    expect(await retry.send(request)).toBe(invalid)
    expect(request).toHaveBeenCalledTimes(1)
    expect(retry.waiting.value).toBe(false)
  })

  it('gives up after the time allowed and hands back the last answer', async () => {
    const request = vi.fn().mockImplementation(async () => notYetKnown('4'))
    const retry = useNotYetKnownRetry({ maxWaitMs: 10_000 })
    const sent = retry.send(request)
    await vi.advanceTimersByTimeAsync(10_000)
    const last = await sent
    expect(isNotYetKnown(last)).toBe(true)
    // Sent at 0, 4 s, 8 s and (the last wait cut to 2 s) 10 s.
    expect(request).toHaveBeenCalledTimes(4)
    expect(retry.waiting.value).toBe(false)
  })

  it('stops waiting when cancelled', async () => {
    const request = vi.fn().mockImplementation(async () => notYetKnown('5'))
    const retry = useNotYetKnownRetry()
    const sent = retry.send(request)
    await vi.advanceTimersByTimeAsync(100)
    retry.cancel()
    await vi.advanceTimersByTimeAsync(5000)
    expect(isNotYetKnown(await sent)).toBe(true)
    expect(request).toHaveBeenCalledTimes(1)
    expect(retry.waiting.value).toBe(false)
  })
})
