// What both ways of signing in share: asking the services whether they take the token,
// where to land afterwards, and what a refused token means, in words.
import { call, registry } from '../api/client'
import { ApiError } from '../api/problem'
import type { ClaimPaths, Role } from '../api/token'
import type { SignInRefusal } from '../stores/session'

/**
 * The services decide whether a token is good: ask one of them. False only for a 401;
 * another failure (a service down) is not the token's fault.
 */
export async function servicesAccept(): Promise<boolean> {
  try {
    await call(registry.GET('/communities'))
  } catch (failure) {
    if (failure instanceof ApiError && failure.problem.status === 401) return false
  }
  return true
}

/**
 * The page asked for before signing in; else 我的 for team leaders and volunteers (their
 * own work, made for a phone), the dashboard for the others.
 */
export function landing(role: Role | null, asked: unknown): string {
  const start = role === 'team_leader' || role === 'volunteer' ? '/me' : '/'
  if (typeof asked !== 'string' || !asked.startsWith('/') || asked.startsWith('//')) return start
  if (asked.startsWith('/login') || asked.startsWith('/auth/')) return start
  return asked
}

/** Why a token was refused, for a pasted token or the provider's. */
export function refusalText(refusal: SignInRefusal, claims: ClaimPaths, provider: boolean): string {
  switch (refusal) {
    case 'not-a-token':
      return provider
        ? '统一身份认证返回的访问令牌不是 JWT，服务无法使用，请联系管理员。'
        : '这不是有效的访问令牌，请完整粘贴。'
    case 'expired':
      return provider ? '统一身份认证返回的令牌已过期，请重新登录。' : '令牌已过期，请向管理员索取新的令牌。'
    case 'no-role':
      return provider
        ? `您的账号还没有七色工作台的角色（令牌的 ${claims.role}），请联系管理员分配。`
        : `令牌中没有七色工作台的角色（${claims.role}）。`
    case 'no-communities':
      return provider
        ? `您的账号还没有所属社区（令牌的 ${claims.communities}），请联系管理员设置。`
        : `令牌中没有所属社区（${claims.communities}）。`
  }
}
