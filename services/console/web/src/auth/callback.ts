// The provider's way back into the web app (without the OIDC library, which main.ts
// need not load for this).

/**
 * Where the provider sends the browser back. A path, not a hash route: a redirect URI
 * may not carry a fragment. The console serves the web app there too.
 */
export const CALLBACK_PATH = '/auth/callback'

/**
 * The provider came back to `/auth/callback?code=…&state=…`: the same place as a hash
 * route (`/#/auth/callback?code=…`), which the router can show. Null for any other address.
 */
export function callbackRoute(location: { pathname: string; search: string }): string | null {
  if (location.pathname !== CALLBACK_PATH) return null
  return `/#${CALLBACK_PATH}${location.search}`
}

/** The callback address oidc-client-ts reads, rebuilt from the hash route's query. */
export function callbackUrl(query: Record<string, unknown>, origin: string = window.location.origin): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') params.set(key, value)
  }
  return `${origin}${CALLBACK_PATH}?${params}`
}
