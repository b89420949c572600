// One client per service, all through the console's origin (/api/<service>/...).
// Two middlewares: `auth` adds the bearer token and sends a refused token to one handler;
// `reachability` tells the outage banner which services answer and which do not.
import createClient, { type Middleware } from 'openapi-fetch'
import type { RouteLocationRaw, Router } from 'vue-router'
import { noteAnswer, serviceOf } from './outage'
import { ApiError, toProblem } from './problem'
import type { paths as ActivitiesPaths } from './schema/activities'
import type { paths as RegistryPaths } from './schema/registry'
import type { paths as RequestsPaths } from './schema/requests'
import type { paths as StatsPaths } from './schema/stats'

export interface AuthHooks {
  /** The session's token, if any. */
  token(): string | null
  /** A service refused the token: back to sign-in (called once per refused token). */
  unauthorized(): void
}

let hooks: AuthHooks = { token: () => null, unauthorized: () => {} }
// The Authorization header last refused: a page's loads that fail together with one
// expired token make one trip to sign-in, not one per answer.
let refused: string | null | undefined

export function configureAuth(given: AuthHooks): void {
  hooks = given
  refused = undefined
}

/** The same hooks, for a request sent without openapi-fetch (an upload with progress). */
export function authHooks(): AuthHooks {
  return hooks
}

export const auth: Middleware = {
  onRequest({ request }) {
    const token = hooks.token()
    if (token) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ request, response }) {
    const sent = request.headers.get('Authorization')
    if (response.status !== 401) {
      if (sent === refused) refused = undefined // taken again (signed in anew): heard again
      return response
    }
    if (sent !== refused) {
      refused = sent
      hooks.unauthorized()
    }
    return response
  },
}

/** What a request that never reached the console is answered with: a 503 problem. */
function unreachable(): Response {
  const problem = { type: 'about:blank', title: 'Service Unavailable', status: 503 }
  return new Response(JSON.stringify(problem), {
    status: 503,
    headers: { 'Content-Type': 'application/problem+json' },
  })
}

export const reachability: Middleware = {
  onResponse({ request, response }) {
    const service = serviceOf(request.url)
    if (service) noteAnswer(service, response.status)
    return response
  },
  onError({ error }) {
    // A load given up on purpose stays an abort; a network failure becomes a 503 answer,
    // so pages and forms handle it like any other problem.
    const aborted = typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError'
    return aborted ? undefined : unreachable()
  },
}

export function serviceClient<Paths extends {}>(service: string, fetcher?: typeof fetch) {
  // An absolute base: openapi-fetch builds Request objects, which need one.
  const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin
  const client = createClient<Paths>({ baseUrl: `${origin}/api/${service}`, fetch: fetcher })
  client.use(auth, reachability)
  return client
}

export const registry = serviceClient<RegistryPaths>('registry')
export const activities = serviceClient<ActivitiesPaths>('activities')
export const requests = serviceClient<RequestsPaths>('requests')
export const stats = serviceClient<StatsPaths>('stats')

/** The data of a successful answer; an ApiError with the problem otherwise. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending
  if (!response.ok) throw new ApiError(toProblem(error, response.status))
  return data as T
}

// The pages that sign in say themselves what a refused token means.
const SIGN_IN_PAGES = new Set(['login', 'sign-in-callback'])

/**
 * The 401 handler (a refused or expired token): forget the token here and go to
 * sign-in, which comes back to this page afterwards (through the identity provider too,
 * whose session is left as it is). Forms keep their drafts in sessionStorage, so nothing
 * typed is lost.
 */
export function sendToSignIn(
  router: Router,
  session: { forget(): void },
  warn: (message: string) => void,
): () => void {
  return () => {
    const here = router.currentRoute.value
    if (typeof here.name === 'string' && SIGN_IN_PAGES.has(here.name)) return
    session.forget()
    warn('登录已失效，请重新登录；已填写的内容会保留。')
    const login: RouteLocationRaw = { name: 'login', query: { redirect: here.fullPath } }
    void router.push(login)
  }
}
