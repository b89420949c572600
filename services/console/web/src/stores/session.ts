// The one store: who is signed in (the access token, its claims and expiry), and how:
// a pasted token (local use) or the county's identity provider.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import {
  isExpired,
  readToken,
  seesAllCommunities,
  type Claims,
  type Role,
  type TokenRefusal,
} from '../api/token'
import { LOCAL_SIGN_IN, type AuthConfig } from '../auth/config'

const KEY = 'qise.console.token'
// With the provider: its ID token, the hint that ends its session at sign-out.
const ID_TOKEN_KEY = 'qise.console.id_token'

export const ADMIN_ROLES: readonly Role[] = ['county_admin', 'community_admin']

export type SignInRefusal = TokenRefusal | 'expired'

export const useSession = defineStore('session', () => {
  const config = ref<AuthConfig>(LOCAL_SIGN_IN)
  const token = ref<string | null>(null)
  const claims = ref<Claims | null>(null)
  const idToken = ref<string | null>(null)

  const signedIn = computed(() => token.value !== null && claims.value !== null)
  const role = computed<Role | null>(() => claims.value?.role ?? null)
  const communities = computed(() => claims.value?.communities ?? [])
  const countyWide = computed(() => (claims.value ? seesAllCommunities(claims.value) : false))
  const isAdmin = computed(() => role.value !== null && ADMIN_ROLES.includes(role.value))
  /** The community a new record starts in: the caller's only one; '' when they see several. */
  const onlyCommunity = computed(() => (countyWide.value || communities.value.length !== 1 ? '' : communities.value[0]))
  /** When the access token stops working (ms since the epoch), if signed in. */
  const expiresAt = computed(() => (claims.value ? claims.value.exp * 1000 : null))
  const viaProvider = computed(() => idToken.value !== null)

  function keep(value: string, read: Claims, id: string | null): void {
    token.value = value
    claims.value = read
    idToken.value = id
    localStorage.setItem(KEY, value)
    if (id) localStorage.setItem(ID_TOKEN_KEY, id)
    else localStorage.removeItem(ID_TOKEN_KEY)
  }

  /** Keep `given` when it reads as a token that has not expired; else say why not. */
  function accept(given: string, id: string | null): SignInRefusal | null {
    const value = given.trim()
    const read = readToken(value, config.value.claims)
    if ('refusal' in read) return read.refusal
    if (isExpired(read.claims)) return 'expired'
    keep(value, read.claims, id)
    return null
  }

  /** A pasted token (or the `qise up` link). */
  function signIn(given: string): SignInRefusal | null {
    return accept(given, null)
  }

  /** The access token the provider gave, with its ID token for signing out there. */
  function signInWithProvider(accessToken: string, id: string | null): SignInRefusal | null {
    return accept(accessToken, id)
  }

  /** Forget the token here (a refused or expired one); the provider's session stays. */
  function forget(): void {
    token.value = null
    claims.value = null
    idToken.value = null
    localStorage.removeItem(KEY)
    localStorage.removeItem(ID_TOKEN_KEY)
  }

  /**
   * Sign out: forget the token, and after a provider sign-in end the provider's session
   * too when it offers that (the browser then goes there and comes back to the console).
   */
  async function signOut(): Promise<void> {
    const provider = viaProvider.value ? config.value.oidc : null
    const hint = idToken.value
    forget()
    if (!provider) return
    try {
      const { endProviderSession } = await import('../auth/oidc')
      await endProviderSession(provider, hint)
    } catch {
      // The provider does not answer: signed out here is what can be done.
    }
  }

  /** The token kept from before, read with the current configuration: kept if usable. */
  function restore(): boolean {
    const stored = localStorage.getItem(KEY)
    return stored !== null && accept(stored, localStorage.getItem(ID_TOKEN_KEY)) === null
  }

  /** How to sign in and read claims (/auth/config); the token kept is read anew with it. */
  function configure(given: AuthConfig): void {
    config.value = given
    if (!restore()) forget()
  }

  function expired(now: Date = new Date()): boolean {
    return claims.value !== null && isExpired(claims.value, now)
  }

  function hasRole(roles: readonly Role[] | undefined): boolean {
    return !roles || (role.value !== null && roles.includes(role.value))
  }

  // Until configure() (main.ts, after /auth/config) a kept token that does not read with
  // Qise's own claims is left in storage: it may be the provider's.
  restore()

  return {
    config,
    token,
    claims,
    idToken,
    signedIn,
    role,
    communities,
    countyWide,
    isAdmin,
    onlyCommunity,
    expiresAt,
    viaProvider,
    signIn,
    signInWithProvider,
    forget,
    signOut,
    configure,
    expired,
    hasRole,
  }
})
