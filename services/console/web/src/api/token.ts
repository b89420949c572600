// The claims of an access token, read (not verified: the services verify) so the
// console knows the role and communities to show. See the contract's "Auth". Where the
// role and communities sit in the token is configured (QISE_ROLE_CLAIM,
// QISE_COMMUNITIES_CLAIM, served by the console at /auth/config) and read here by the
// same rules the services follow.

export const ROLES = [
  'county_admin',
  'branch_admin',
  'community_admin',
  'team_leader',
  'volunteer',
] as const
export type Role = (typeof ROLES)[number]

export interface Claims {
  sub: string
  role: Role
  /** Community ids; ["*"] means all (county_admin only). */
  communities: string[]
  /** Seconds since the epoch. */
  exp: number
}

/** Dotted paths of the claims that carry the role and the communities. */
export interface ClaimPaths {
  role: string
  communities: string
}

/** Qise's own tokens (`qise token`): `role` and `communities` at the top. */
export const OWN_CLAIMS: ClaimPaths = { role: 'role', communities: 'communities' }

/** Why a token is not one the console can use. */
export type TokenRefusal = 'not-a-token' | 'no-role' | 'no-communities'

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The value at a dotted path (`realm_access.roles`), or undefined. */
export function claimAt(payload: unknown, path: string): unknown {
  let here: unknown = payload
  for (const key of path.split('.')) {
    if (typeof here !== 'object' || here === null || Array.isArray(here)) return undefined
    here = (here as Record<string, unknown>)[key]
  }
  return here
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/**
 * The role a claim names: a string is the role; of a list (Keycloak's realm roles, with
 * `offline_access` and the like beside ours), the most privileged Qise role in it.
 */
export function roleOf(value: unknown): Role | null {
  if (isRole(value)) return value
  if (!Array.isArray(value)) return null
  return ROLES.find((role) => value.includes(role)) ?? null
}

/** Community ids: a list of strings, or one string separated by commas or spaces. */
export function communitiesOf(value: unknown): string[] | null {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((id) => id !== '')
  if (Array.isArray(value) && value.every((id) => typeof id === 'string')) return value
  return null
}

/** The token's claims, or why it is not a token the console can use. */
export function readToken(
  token: string,
  paths: ClaimPaths = OWN_CLAIMS,
): { claims: Claims } | { refusal: TokenRefusal } {
  const parts = token.trim().split('.')
  if (parts.length !== 3) return { refusal: 'not-a-token' }
  let payload: unknown
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]))
  } catch {
    return { refusal: 'not-a-token' }
  }
  if (typeof payload !== 'object' || payload === null) return { refusal: 'not-a-token' }
  const { sub, exp } = payload as Record<string, unknown>
  if (typeof exp !== 'number') return { refusal: 'not-a-token' }
  const role = roleOf(claimAt(payload, paths.role))
  if (!role) return { refusal: 'no-role' }
  const communities = communitiesOf(claimAt(payload, paths.communities))
  if (!communities) return { refusal: 'no-communities' }
  return { claims: { sub: typeof sub === 'string' ? sub : '', role, communities, exp } }
}

/** The token's claims, or null when it is not a JWT carrying a role and communities. */
export function readClaims(token: string, paths: ClaimPaths = OWN_CLAIMS): Claims | null {
  const read = readToken(token, paths)
  return 'claims' in read ? read.claims : null
}

export function isExpired(claims: Claims, now: Date = new Date()): boolean {
  return claims.exp * 1000 <= now.getTime()
}

export function seesAllCommunities(claims: Claims): boolean {
  return claims.communities.includes('*')
}
