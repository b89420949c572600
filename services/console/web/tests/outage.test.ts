import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import {
  isOutage,
  isUnreachableStatus,
  noteAnswer,
  onRetry,
  outage,
  resetOutage,
  retry,
  retryWhenBack,
  serviceOf,
} from '../src/api/outage'
import { ApiError } from '../src/api/problem'

afterEach(resetOutage)

describe('which service an address names', () => {
  it('reads /api/<service>/ from absolute and relative addresses', () => {
    expect(serviceOf('http://localhost:8000/api/stats/stats/overview?scope=county')).toBe('stats')
    expect(serviceOf('/api/registry/volunteers')).toBe('registry')
    expect(serviceOf('/assets/index.js')).toBeNull()
    expect(serviceOf('/api/stats')).toBeNull()
  })
})

describe('the outage state', () => {
  it('puts a service on the banner for 502, 503 and 504, once, in the order they failed', () => {
    expect([502, 503, 504].every(isUnreachableStatus)).toBe(true)
    expect([200, 401, 404, 422, 500].some(isUnreachableStatus)).toBe(false)
    noteAnswer('stats', 503)
    noteAnswer('registry', 502)
    noteAnswer('stats', 504)
    expect(outage.down).toEqual(['stats', 'registry'])
  })

  it('takes a service off when it answers anything else, errors included', () => {
    noteAnswer('stats', 503)
    noteAnswer('registry', 503)
    noteAnswer('stats', 404)
    expect(outage.down).toEqual(['registry'])
    noteAnswer('registry', 200)
    expect(outage.down).toEqual([])
    noteAnswer('requests', 500) // a bug answers: the service is there
    expect(outage.down).toEqual([])
  })

  it('tells an outage from other problems', () => {
    expect(isOutage(new ApiError({ status: 503 }))).toBe(true)
    expect(isOutage(new ApiError({ status: 504 }))).toBe(true)
    expect(isOutage(new ApiError({ status: 422 }))).toBe(false)
    expect(isOutage(new Error('boom'))).toBe(false)
  })
})

describe('重试', () => {
  it('forgets what failed and runs the registered loads again', async () => {
    const first = vi.fn()
    const second = vi.fn(async () => noteAnswer('stats', 200))
    onRetry(first)
    const stop = onRetry(second)
    noteAnswer('stats', 503)
    expect(await retry()).toBe(2)
    expect(first).toHaveBeenCalledOnce()
    expect(second).toHaveBeenCalledOnce()
    expect(outage.down).toEqual([])

    stop()
    expect(await retry()).toBe(1)
    expect(second).toHaveBeenCalledOnce()
  })

  it('shows the banner again when the service is still out of reach, and survives a failing load', async () => {
    onRetry(async () => {
      noteAnswer('requests', 503)
      throw new ApiError({ status: 503 })
    })
    const other = vi.fn()
    onRetry(other)
    noteAnswer('requests', 503)
    expect(await retry()).toBe(2)
    expect(other).toHaveBeenCalledOnce()
    expect(outage.down).toEqual(['requests'])
  })

  it('runs a page’s loads only while the page is shown', async () => {
    const load = vi.fn()
    const Page = defineComponent({
      setup() {
        retryWhenBack(load)
        return () => h('div')
      },
    })
    const page = mount(Page)
    await retry()
    expect(load).toHaveBeenCalledOnce()
    page.unmount()
    expect(await retry()).toBe(0)
    expect(load).toHaveBeenCalledOnce()
  })
})
