import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { claimAt, communitiesOf, isExpired, readClaims, readToken, roleOf, seesAllCommunities } from '../src/api/token'
import { jwt } from './fakeJwt'
import { useSession } from '../src/stores/session'

const HOUR = 3600

describe('token claims', () => {
  const exp = Math.floor(Date.now() / 1000) + HOUR

  it('reads role, communities and expiry', () => {
    const claims = readClaims(jwt({ sub: '王芳', role: 'community_admin', communities: ['longquan'], exp }))
    expect(claims).toEqual({ sub: '王芳', role: 'community_admin', communities: ['longquan'], exp })
    expect(seesAllCommunities(claims!)).toBe(false)
    expect(isExpired(claims!)).toBe(false)
  })

  it('knows a county-wide token and an expired one', () => {
    const claims = readClaims(jwt({ sub: 'a', role: 'county_admin', communities: ['*'], exp: 1000 }))!
    expect(seesAllCommunities(claims)).toBe(true)
    expect(isExpired(claims, new Date(1000 * 1000))).toBe(true)
    expect(isExpired(claims, new Date(999 * 1000))).toBe(false)
  })

  it('refuses what is not a token of ours', () => {
    expect(readClaims('not-a-token')).toBeNull()
    expect(readClaims('a.b.c')).toBeNull()
    expect(readClaims(jwt({ role: 'mayor', communities: [], exp }))).toBeNull()
    expect(readClaims(jwt({ role: 'volunteer', communities: 3, exp }))).toBeNull()
    expect(readClaims(jwt({ role: 'volunteer', communities: ['x'] }))).toBeNull()
  })
})

describe('claims where the provider puts them', () => {
  const exp = Math.floor(Date.now() / 1000) + HOUR
  const KEYCLOAK = { role: 'realm_access.roles', communities: 'communities' }

  it('follows a dotted path, and finds nothing where the path leads nowhere', () => {
    const payload = { realm_access: { roles: ['volunteer'] }, a: { b: { c: 'deep' } }, list: [{ x: 1 }] }
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['volunteer'])
    expect(claimAt(payload, 'a.b.c')).toBe('deep')
    expect(claimAt(payload, 'a.b.c.d')).toBeUndefined()
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined()
    expect(claimAt(payload, 'list.0')).toBeUndefined() // paths go through objects, not lists
  })

  it('takes the most privileged Qise role of a list, whatever its order, and ignores the rest', () => {
    expect(roleOf(['offline_access', 'volunteer', 'community_admin', 'uma_authorization'])).toBe('community_admin')
    expect(roleOf(['team_leader', 'county_admin'])).toBe('county_admin')
    expect(roleOf(['volunteer', 'branch_admin', 'team_leader'])).toBe('branch_admin')
    expect(roleOf(['offline_access', 'default-roles-qise'])).toBeNull()
    expect(roleOf([])).toBeNull()
    // A string is the role itself, and must be one of ours.
    expect(roleOf('team_leader')).toBe('team_leader')
    expect(roleOf('admin')).toBeNull()
    expect(roleOf(undefined)).toBeNull()
  })

  it('reads communities from a list or from one string split on commas and spaces', () => {
    expect(communitiesOf(['longquan', 'xishan'])).toEqual(['longquan', 'xishan'])
    expect(communitiesOf('longquan, xishan  dongcheng')).toEqual(['longquan', 'xishan', 'dongcheng'])
    expect(communitiesOf('*')).toEqual(['*'])
    expect(communitiesOf('')).toEqual([])
    expect(communitiesOf(['longquan', 7])).toBeNull()
    expect(communitiesOf(undefined)).toBeNull()
  })

  it('reads a Keycloak access token with the configured paths', () => {
    const token = jwt({
      sub: 'f3c9',
      exp,
      realm_access: { roles: ['offline_access', 'volunteer', 'community_admin'] },
      communities: 'longquan,xishan',
    })
    expect(readClaims(token, KEYCLOAK)).toEqual({
      sub: 'f3c9',
      role: 'community_admin',
      communities: ['longquan', 'xishan'],
      exp,
    })
    // Read with Qise's own paths the same token carries no role.
    expect(readToken(token)).toEqual({ refusal: 'no-role' })
  })

  it('says which claim is missing', () => {
    const roleless = jwt({ sub: 'a', exp, realm_access: { roles: ['offline_access'] }, communities: ['x'] })
    expect(readToken(roleless, KEYCLOAK)).toEqual({ refusal: 'no-role' })
    const placeless = jwt({ sub: 'a', exp, realm_access: { roles: ['volunteer'] } })
    expect(readToken(placeless, KEYCLOAK)).toEqual({ refusal: 'no-communities' })
    expect(readToken('nope', KEYCLOAK)).toEqual({ refusal: 'not-a-token' })
  })
})

describe('the session', () => {
  const exp = Math.floor(Date.now() / 1000) + HOUR

  function signedIn(communities: string[]) {
    setActivePinia(createPinia())
    const session = useSession()
    expect(session.signIn(jwt({ sub: 'a', role: 'community_admin', communities, exp }))).toBeNull()
    return session
  }

  it("starts new records in the caller's only community, in none when they see several", () => {
    expect(signedIn(['longquan']).onlyCommunity).toBe('longquan')
    expect(signedIn(['longquan', 'xinhua']).onlyCommunity).toBe('')
    expect(signedIn(['*']).onlyCommunity).toBe('')
    localStorage.clear()
  })
})
