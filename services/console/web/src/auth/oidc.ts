// Sign-in through the county's identity provider: the authorization-code flow with PKCE
// (S256), by oidc-client-ts (discovery, the verifier and challenge, state, the code
// exchange). Its user store is kept in memory: the session store is where the console
// keeps the access token, so there is one place to forget it. Loaded only when a provider
// is configured and used (dynamic imports), so token-only consoles do not carry it.
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from 'oidc-client-ts'
import { CALLBACK_PATH } from './callback'
import type { OidcConfig } from './config'

function manager(oidc: OidcConfig, origin: string = window.location.origin): UserManager {
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.client_id,
    scope: oidc.scope,
    response_type: 'code',
    redirect_uri: origin + CALLBACK_PATH,
    post_logout_redirect_uri: origin + '/',
    loadUserInfo: false,
    // No refresh behind the user's back: when the token expires the services say 401
    // and the user signs in again (the provider's session usually makes that one click).
    automaticSilentRenew: false,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
  })
}

/** To the provider's sign-in page; `redirect` is where to land afterwards. */
export async function startSignIn(oidc: OidcConfig, redirect: string): Promise<void> {
  await manager(oidc).signinRedirect({ state: { redirect } })
}

export interface ProviderSignIn {
  accessToken: string
  idToken: string | null
  /** The page asked for before signing in, if any. */
  redirect: string | null
}

/** Trade the code in `url` (the callback address) for the tokens. */
export async function finishSignIn(oidc: OidcConfig, url: string): Promise<ProviderSignIn> {
  const user = await manager(oidc).signinRedirectCallback(url)
  const state = user.state as { redirect?: unknown } | undefined
  return {
    accessToken: user.access_token,
    idToken: user.id_token ?? null,
    redirect: typeof state?.redirect === 'string' ? state.redirect : null,
  }
}

/**
 * End the provider's session too (its end_session_endpoint, with the ID token as hint),
 * coming back to the console's front page. False when the provider offers no such
 * endpoint: then only the console forgets the token.
 */
export async function endProviderSession(oidc: OidcConfig, idToken: string | null): Promise<boolean> {
  const users = manager(oidc)
  if (!(await users.metadataService.getEndSessionEndpoint())) return false
  await users.signoutRedirect({ id_token_hint: idToken ?? undefined })
  return true
}
