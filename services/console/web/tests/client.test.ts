import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { call, configureAuth, sendToSignIn, serviceClient } from '../src/api/client'
import { outage, resetOutage } from '../src/api/outage'
import { ApiError } from '../src/api/problem'
import type { paths as RegistryPaths } from '../src/api/schema/registry'
import type { paths as StatsPaths } from '../src/api/schema/stats'
import { useProblemForm } from '../src/composables/useProblemForm'

/** A fetch that answers each request with what `answer` gives, and keeps the requests. */
function fakeFetch(answer: (request: Request) => Response | Promise<Response>) {
  const seen: Request[] = []
  const fetcher = vi.fn(async (input: RequestInfo | URL) => {
    const request = input as Request
    seen.push(request)
    return answer(request)
  })
  return { fetcher: fetcher as unknown as typeof fetch, seen }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' },
  })
const refusal = () => json({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'bad token' }, 401)
const AREAS = { communities: [], branches: [], county: true }

beforeEach(() => {
  sessionStorage.clear()
  resetOutage()
})
afterEach(() => configureAuth({ token: () => null, unauthorized: () => {} }))

describe('the auth middleware', () => {
  it('adds the session’s token as a bearer token, and none without a session', async () => {
    let token: string | null = 'eyJ.token.sig'
    configureAuth({ token: () => token, unauthorized: vi.fn() })
    const { fetcher, seen } = fakeFetch(() => json(AREAS))
    const stats = serviceClient<StatsPaths>('stats', fetcher)

    expect(await call(stats.GET('/stats/areas'))).toEqual(AREAS)
    expect(seen[0].headers.get('Authorization')).toBe('Bearer eyJ.token.sig')
    expect(new URL(seen[0].url).pathname).toBe('/api/stats/stats/areas')

    token = null
    await call(stats.GET('/stats/areas'))
    expect(seen[1].headers.has('Authorization')).toBe(false)
  })

  it('calls the 401 handler once for a refused token, however many answers say so', async () => {
    let token = 'expired-one'
    const unauthorized = vi.fn()
    configureAuth({ token: () => token, unauthorized })
    const { fetcher } = fakeFetch(refusal)
    const stats = serviceClient<StatsPaths>('stats', fetcher)

    const answers = await Promise.allSettled([
      call(stats.GET('/stats/areas')),
      call(stats.GET('/stats/leaderboard')),
      call(stats.GET('/stats/open-requests')),
    ])
    expect(answers.every((a) => a.status === 'rejected' && (a.reason as ApiError).problem.status === 401)).toBe(true)
    expect(unauthorized).toHaveBeenCalledTimes(1)

    // Another token refused: heard again.
    token = 'another-one'
    await call(stats.GET('/stats/areas')).catch(() => {})
    expect(unauthorized).toHaveBeenCalledTimes(2)
  })

  it('hears the same token again once it was accepted in between (signed in anew)', async () => {
    const unauthorized = vi.fn()
    configureAuth({ token: () => 'same', unauthorized })
    let refuse = true
    const { fetcher } = fakeFetch(() => (refuse ? refusal() : json(AREAS)))
    const stats = serviceClient<StatsPaths>('stats', fetcher)
    await call(stats.GET('/stats/areas')).catch(() => {})
    refuse = false
    await call(stats.GET('/stats/areas'))
    refuse = true
    await call(stats.GET('/stats/areas')).catch(() => {})
    expect(unauthorized).toHaveBeenCalledTimes(2)
  })
})

describe('reachability', () => {
  it('turns a network failure into a 503 problem and puts the service on the banner', async () => {
    configureAuth({ token: () => 't', unauthorized: vi.fn() })
    let down = true
    const { fetcher } = fakeFetch(() => {
      if (down) throw new TypeError('Failed to fetch')
      return json(AREAS)
    })
    const stats = serviceClient<StatsPaths>('stats', fetcher)

    const failure = await call(stats.GET('/stats/areas')).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ApiError)
    expect((failure as ApiError).problem.status).toBe(503)
    expect((failure as ApiError).message).toBe('服务暂时不可用，请稍后再试。')
    expect(outage.down).toEqual(['stats'])

    down = false
    await call(stats.GET('/stats/areas'))
    expect(outage.down).toEqual([])
  })

  it('notes the console’s own 502/503/504 answers for the service named in the address', async () => {
    const { fetcher } = fakeFetch(() => json({ type: 'about:blank', title: 'Bad Gateway', status: 502 }, 502))
    const registry = serviceClient<RegistryPaths>('registry', fetcher)
    await call(registry.GET('/communities')).catch(() => {})
    expect(outage.down).toEqual(['registry'])
  })

  it('leaves an aborted request an abort', async () => {
    const { fetcher } = fakeFetch(() => {
      throw new DOMException('The operation was aborted.', 'AbortError')
    })
    const stats = serviceClient<StatsPaths>('stats', fetcher)
    await expect(stats.GET('/stats/areas')).rejects.toMatchObject({ name: 'AbortError' })
    expect(outage.down).toEqual([])
  })
})

describe('the 401 handler', () => {
  const Blank = defineComponent({ render: () => h('div') })
  // A form page as the console writes them: its draft kept by useProblemForm.
  const VolunteerForm = defineComponent({
    setup(_, { expose }) {
      const form = useProblemForm('test-volunteer', () => ({ name: '', phone: '' }))
      expose(form)
      return () => h('form')
    },
  })

  function makeRouter(): Router {
    return createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', name: 'login', component: Blank },
        { path: '/auth/callback', name: 'sign-in-callback', component: Blank },
        { path: '/volunteers/new', name: 'volunteer-new', component: VolunteerForm },
      ],
    })
  }

  it('signs out once and sends to sign-in, coming back here, with what was typed kept', async () => {
    setActivePinia(createPinia())
    const router = makeRouter()
    await router.push('/volunteers/new?community_id=longquan')
    const session = { forget: vi.fn() }
    const warn = vi.fn()
    configureAuth({ token: () => 'expired', unauthorized: sendToSignIn(router, session, warn) })
    const { fetcher } = fakeFetch(refusal)
    const registry = serviceClient<RegistryPaths>('registry', fetcher)

    const page = mount(VolunteerForm, { global: { plugins: [router] } })
    const form = page.vm as unknown as ReturnType<typeof useProblemForm<{ name: string; phone: string }>>
    form.model.name = '王芳'
    form.model.phone = '13812345678'
    await nextTick()

    const sent = await form.submit(() =>
      Promise.all([
        call(registry.POST('/volunteers', { body: { community_id: 'longquan', name: '王芳', phone: '13812345678' } as never })),
        call(registry.GET('/communities')),
      ]),
    )
    await flushPromises()

    expect(sent).toBe(false)
    expect(session.forget).toHaveBeenCalledTimes(1)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0][0]).toContain('已填写的内容会保留')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/volunteers/new?community_id=longquan')
    page.unmount()

    // Signed in again, the form comes back with what was typed.
    const again = mount(VolunteerForm, { global: { plugins: [router] } })
    const restored = again.vm as unknown as { model: { name: string; phone: string } }
    expect(restored.model).toEqual({ name: '王芳', phone: '13812345678' })
  })

  it('does nothing on the sign-in pages, which say so themselves', async () => {
    for (const page of ['/login', '/auth/callback']) {
      const router = makeRouter()
      await router.push(page)
      const session = { forget: vi.fn() }
      const warn = vi.fn()
      sendToSignIn(router, session, warn)()
      expect(session.forget).not.toHaveBeenCalled()
      expect(warn).not.toHaveBeenCalled()
      expect(router.currentRoute.value.path).toBe(page)
    }
  })
})
