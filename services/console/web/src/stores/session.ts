// The one store: who is signed in (the token and its claims).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { isExpired, readClaims, seesAllCommunities, type Claims, type Role } from '../api/token'

const KEY = 'qise.console.token'

export const ADMIN_ROLES: readonly Role[] = ['county_admin', 'community_admin']

export type SignInRefusal = 'not-a-token' | 'expired'

function stored(): { token: string; claims: Claims } | null {
  const token = localStorage.getItem(KEY)
  const claims = token ? readClaims(token) : null
  if (!token || !claims || isExpired(claims)) {
    localStorage.removeItem(KEY)
    return null
  }
  return { token, claims }
}

export const useSession = defineStore('session', () => {
  const initial = stored()
  const token = ref<string | null>(initial?.token ?? null)
  const claims = ref<Claims | null>(initial?.claims ?? null)

  const signedIn = computed(() => token.value !== null && claims.value !== null)
  const role = computed<Role | null>(() => claims.value?.role ?? null)
  const communities = computed(() => claims.value?.communities ?? [])
  const countyWide = computed(() => (claims.value ? seesAllCommunities(claims.value) : false))
  const isAdmin = computed(() => role.value !== null && ADMIN_ROLES.includes(role.value))
  /** The community a new record starts in: the caller's only one; '' when they see several. */
  const onlyCommunity = computed(() => (countyWide.value || communities.value.length !== 1 ? '' : communities.value[0]))

  /** Keep `given` when it reads as a token that has not expired; else say why not. */
  function signIn(given: string): SignInRefusal | null {
    const value = given.trim()
    const read = readClaims(value)
    if (!read) return 'not-a-token'
    if (isExpired(read)) return 'expired'
    token.value = value
    claims.value = read
    localStorage.setItem(KEY, value)
    return null
  }

  function signOut(): void {
    token.value = null
    claims.value = null
    localStorage.removeItem(KEY)
  }

  function hasRole(roles: readonly Role[] | undefined): boolean {
    return !roles || (role.value !== null && roles.includes(role.value))
  }

  return { token, claims, signedIn, role, communities, countyWide, isAdmin, onlyCommunity, signIn, signOut, hasRole }
})
