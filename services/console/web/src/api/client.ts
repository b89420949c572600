// One client per service, all through the console's origin (/api/<service>/...).
// One middleware adds the bearer token and sends every 401 to one handler.
import createClient, { type Middleware } from 'openapi-fetch'
import { ApiError, toProblem } from './problem'
import type { paths as ActivitiesPaths } from './schema/activities'
import type { paths as RegistryPaths } from './schema/registry'
import type { paths as RequestsPaths } from './schema/requests'
import type { paths as StatsPaths } from './schema/stats'

export interface AuthHooks {
  /** The session's token, if any. */
  token(): string | null
  /** A service refused the token: back to sign-in (called once per 401 answer). */
  unauthorized(): void
}

let hooks: AuthHooks = { token: () => null, unauthorized: () => {} }

export function configureAuth(given: AuthHooks): void {
  hooks = given
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
  onResponse({ response }) {
    if (response.status === 401) hooks.unauthorized()
    return response
  },
}

function serviceClient<Paths extends {}>(service: string) {
  // An absolute base: openapi-fetch builds Request objects, which need one.
  const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin
  const client = createClient<Paths>({ baseUrl: `${origin}/api/${service}` })
  client.use(auth)
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
