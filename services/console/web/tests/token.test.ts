import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { isExpired, readClaims, seesAllCommunities } from '../src/api/token'
import { useSession } from '../src/stores/session'

function jwt(payload: object): string {
  const encode = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}.signature`
}

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
    expect(readClaims(jwt({ role: 'volunteer', communities: 'x', exp }))).toBeNull()
    expect(readClaims(jwt({ role: 'volunteer', communities: ['x'] }))).toBeNull()
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
