import { describe, expect, it } from 'vitest'
import { LOCAL_SIGN_IN, loadAuthConfig, parseAuthConfig } from '../src/auth/config'
import { landing } from '../src/auth/enter'
import { callbackRoute, callbackUrl } from '../src/auth/callback'

describe('the sign-in configuration', () => {
  it('reads the console answer with a provider', () => {
    const body = {
      oidc: { issuer: 'https://sso.example.gov.cn/realms/qise', client_id: 'qise-console', scope: 'openid profile' },
      role_claim: 'realm_access.roles',
      communities_claim: 'communities',
    }
    expect(parseAuthConfig(body)).toEqual({
      oidc: body.oidc,
      claims: { role: 'realm_access.roles', communities: 'communities' },
    })
    expect(parseAuthConfig({ ...body, oidc: null })?.oidc).toBeNull()
    expect(parseAuthConfig({ ...body, oidc: { issuer: '', client_id: 'x' } })).toBeNull()
    expect(parseAuthConfig('<html>')).toBeNull()
  })

  it('falls back to token sign-in when the console does not say', async () => {
    const html = (async () => new Response('<!doctype html>', { status: 200 })) as unknown as typeof fetch
    const down = (async () => new Response('', { status: 502 })) as unknown as typeof fetch
    const offline = (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    for (const fetcher of [html, down, offline]) expect(await loadAuthConfig(fetcher)).toEqual(LOCAL_SIGN_IN)
  })
})

describe('the way back from the provider', () => {
  it('moves /auth/callback?code=… behind the hash, where the router shows it', () => {
    expect(callbackRoute({ pathname: '/auth/callback', search: '?code=abc&state=xyz' })).toBe(
      '/#/auth/callback?code=abc&state=xyz',
    )
    expect(callbackRoute({ pathname: '/', search: '?code=abc' })).toBeNull()
  })

  it('rebuilds the callback address from the route query', () => {
    expect(callbackUrl({ code: 'a b', state: 's', session_state: 'x', dropped: ['list'] }, 'https://console.example')).toBe(
      'https://console.example/auth/callback?code=a+b&state=s&session_state=x',
    )
  })

  it('lands on the page asked for, else where the role starts', () => {
    expect(landing('community_admin', '/orders?tab=late')).toBe('/orders?tab=late')
    expect(landing('community_admin', undefined)).toBe('/')
    expect(landing('volunteer', null)).toBe('/me')
    expect(landing('team_leader', '/login?redirect=/x')).toBe('/me')
    expect(landing('county_admin', '/auth/callback?code=1')).toBe('/')
    expect(landing('county_admin', 'https://evil.example/')).toBe('/')
    expect(landing('county_admin', '//evil.example/')).toBe('/')
  })
})
