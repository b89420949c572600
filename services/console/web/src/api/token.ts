// The claims of an access token, read (not verified: the services verify) so the
// console knows the role and communities to show. See the contract's "Auth".

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

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The token's claims, or null when it is not a JWT carrying a role and communities. */
export function readClaims(token: string): Claims | null {
  const parts = token.trim().split('.')
  if (parts.length !== 3) return null
  let payload: unknown
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]))
  } catch {
    return null
  }
  if (typeof payload !== 'object' || payload === null) return null
  const { sub, role, communities, exp } = payload as Record<string, unknown>
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return null
  if (!Array.isArray(communities) || !communities.every((c) => typeof c === 'string')) return null
  if (typeof exp !== 'number') return null
  return { sub: typeof sub === 'string' ? sub : '', role: role as Role, communities, exp }
}

export function isExpired(claims: Claims, now: Date = new Date()): boolean {
  return claims.exp * 1000 <= now.getTime()
}

export function seesAllCommunities(claims: Claims): boolean {
  return claims.communities.includes('*')
}
