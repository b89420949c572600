// How this console signs in, as the console server says at /auth/config: through the
// county's identity provider (OpenID Connect) when one is configured, and where the
// role and communities sit in an access token (the services read the same settings).
import { OWN_CLAIMS, type ClaimPaths } from '../api/token'

export interface OidcConfig {
  issuer: string
  client_id: string
  scope: string
}

export interface AuthConfig {
  oidc: OidcConfig | null
  claims: ClaimPaths
}

/** Token sign-in only, Qise's own claims: also what a console that does not answer means. */
export const LOCAL_SIGN_IN: AuthConfig = { oidc: null, claims: OWN_CLAIMS }

function text(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

/** The answer of /auth/config, or null when it is not one. */
export function parseAuthConfig(body: unknown): AuthConfig | null {
  if (typeof body !== 'object' || body === null) return null
  const { oidc, role_claim, communities_claim } = body as Record<string, unknown>
  if (!text(role_claim) || !text(communities_claim)) return null
  const claims = { role: role_claim, communities: communities_claim }
  if (oidc === null) return { oidc: null, claims }
  if (typeof oidc !== 'object' || oidc === undefined) return null
  const { issuer, client_id, scope } = oidc as Record<string, unknown>
  if (!text(issuer) || !text(client_id)) return null
  return { oidc: { issuer, client_id, scope: text(scope) ? scope : 'openid' }, claims }
}

/**
 * The console's sign-in configuration. Without an answer (the dev server alone, an old
 * console) token sign-in still works, so that is the fallback rather than a dead page.
 */
export async function loadAuthConfig(fetcher: typeof fetch = fetch): Promise<AuthConfig> {
  try {
    const answer = await fetcher('/auth/config', { headers: { Accept: 'application/json' } })
    if (!answer.ok) return LOCAL_SIGN_IN
    return parseAuthConfig(await answer.json()) ?? LOCAL_SIGN_IN
  } catch {
    return LOCAL_SIGN_IN
  }
}
