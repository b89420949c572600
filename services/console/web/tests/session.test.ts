import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LOCAL_SIGN_IN, type AuthConfig } from '../src/auth/config'
import { useSession } from '../src/stores/session'
import { jwt } from './fakeJwt'

// The provider is not reached in these tests: what the store asks of it is recorded.
const provider = vi.hoisted(() => ({ ended: [] as (string | null)[], answers: true }))
vi.mock('../src/auth/oidc', () => ({
  endProviderSession: vi.fn(async (_oidc: unknown, idToken: string | null) => {
    if (!provider.answers) throw new TypeError('Failed to fetch')
    provider.ended.push(idToken)
    return true
  }),
}))

const HOUR = 3600
const KEYCLOAK: AuthConfig = {
  oidc: { issuer: 'https://sso.example.gov.cn/realms/qise', client_id: 'qise-console', scope: 'openid' },
  claims: { role: 'realm_access.roles', communities: 'communities' },
}
const later = () => Math.floor(Date.now() / 1000) + HOUR

function keycloakToken(roles: string[], exp = later()): string {
  return jwt({ sub: 'f3c9', exp, realm_access: { roles }, communities: 'longquan xishan' })
}

describe('the session store', () => {
  beforeEach(() => {
    localStorage.clear()
    provider.ended = []
    provider.answers = true
    setActivePinia(createPinia())
  })
  afterEach(() => localStorage.clear())

  it('keeps a pasted token of our own, its role, communities and expiry', () => {
    const session = useSession()
    const exp = later()
    const token = jwt({ sub: 'sec', role: 'community_admin', communities: ['longquan'], exp })
    expect(session.signIn(`  ${token}\n`)).toBeNull()
    expect(session.signedIn).toBe(true)
    expect(session.role).toBe('community_admin')
    expect(session.communities).toEqual(['longquan'])
    expect(session.expiresAt).toBe(exp * 1000)
    expect(session.viaProvider).toBe(false)
    expect(localStorage.getItem('qise.console.token')).toBe(token)
  })

  it('refuses an expired token and one without a role, keeping nothing', () => {
    const session = useSession()
    expect(session.signIn(jwt({ sub: 'a', role: 'volunteer', communities: [], exp: 1000 }))).toBe('expired')
    expect(session.signIn(keycloakToken(['community_admin']))).toBe('no-role') // not where ours is
    expect(session.signedIn).toBe(false)
    expect(localStorage.getItem('qise.console.token')).toBeNull()
  })

  it('reads the provider token with the configured claim paths and the role-list rule', () => {
    const session = useSession()
    session.configure(KEYCLOAK)
    const token = keycloakToken(['offline_access', 'volunteer', 'community_admin'])
    expect(session.signInWithProvider(token, 'id-token')).toBeNull()
    expect(session.role).toBe('community_admin')
    expect(session.communities).toEqual(['longquan', 'xishan'])
    expect(session.viaProvider).toBe(true)
    expect(session.signInWithProvider(keycloakToken(['offline_access']), 'id')).toBe('no-role')
  })

  it('comes back after a reload with the same configuration, and not with another', () => {
    const first = useSession()
    first.configure(KEYCLOAK)
    first.signInWithProvider(keycloakToken(['team_leader']), 'id-token')

    // A reload: a new store, configured once /auth/config answers.
    setActivePinia(createPinia())
    const again = useSession()
    expect(again.signedIn).toBe(false) // Qise's own paths do not read it...
    expect(localStorage.getItem('qise.console.token')).not.toBeNull() // ...but it is kept
    again.configure(KEYCLOAK)
    expect(again.role).toBe('team_leader')
    expect(again.idToken).toBe('id-token')

    // Configured without the provider's claim paths, the token is of no use: forgotten.
    setActivePinia(createPinia())
    const local = useSession()
    local.configure(LOCAL_SIGN_IN)
    expect(local.signedIn).toBe(false)
    expect(localStorage.getItem('qise.console.token')).toBeNull()
    expect(localStorage.getItem('qise.console.id_token')).toBeNull()
  })

  it('forgets a kept token that has expired since', () => {
    localStorage.setItem('qise.console.token', keycloakToken(['volunteer'], 1000))
    const session = useSession()
    session.configure(KEYCLOAK)
    expect(session.signedIn).toBe(false)
    expect(localStorage.getItem('qise.console.token')).toBeNull()
  })

  it('knows when the token runs out', () => {
    const session = useSession()
    session.configure(KEYCLOAK)
    const exp = later()
    session.signInWithProvider(keycloakToken(['volunteer'], exp), 'id')
    expect(session.expired(new Date((exp - 1) * 1000))).toBe(false)
    expect(session.expired(new Date(exp * 1000))).toBe(true)
  })

  it('signs out of the provider too after a provider sign-in, with the ID token as hint', async () => {
    const session = useSession()
    session.configure(KEYCLOAK)
    session.signInWithProvider(keycloakToken(['volunteer']), 'the-id-token')
    await session.signOut()
    expect(session.signedIn).toBe(false)
    expect(localStorage.getItem('qise.console.token')).toBeNull()
    expect(provider.ended).toEqual(['the-id-token'])
  })

  it('leaves the provider alone after a pasted token, and when only forgetting', async () => {
    const session = useSession()
    session.configure(KEYCLOAK)
    session.signIn(keycloakToken(['volunteer']))
    await session.signOut()
    expect(session.signedIn).toBe(false)

    session.signInWithProvider(keycloakToken(['volunteer']), 'id')
    session.forget() // the 401 handler: this token is refused, the provider's session stays
    expect(session.signedIn).toBe(false)
    expect(provider.ended).toEqual([])
  })

  it('is signed out here even when the provider does not answer', async () => {
    provider.answers = false
    const session = useSession()
    session.configure(KEYCLOAK)
    session.signInWithProvider(keycloakToken(['volunteer']), 'id')
    await session.signOut()
    expect(session.signedIn).toBe(false)
    expect(provider.ended).toEqual([])
  })
})
