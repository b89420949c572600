// Static routes; `meta.roles` says who may open a page (and see it in the menu).
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from './api/token'
import { callbackRoute } from './auth/callback'
import AppLayout from './layouts/AppLayout.vue'
import { ADMIN_ROLES, useSession } from './stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Shown in the side menu. */
    menu?: boolean
    roles?: readonly Role[]
    public?: boolean
  }
}

const STAFF: readonly Role[] = ['county_admin', 'branch_admin', 'community_admin', 'team_leader']
// Care tasks (三必访五必谈) and reports are for the community's admins and those above them.
const COMMUNITY_ADMINS: readonly Role[] = ['county_admin', 'branch_admin', 'community_admin']
const LOGGERS: readonly Role[] = [...ADMIN_ROLES, 'team_leader']
// The branch as one body (大支部): its page for the admins of its communities and above;
// its escalation queue (难题联解) for those who assign across the branch.
const BRANCH_ASSIGNERS: readonly Role[] = ['county_admin', 'branch_admin']

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/Login.vue'),
    meta: { title: '登录', public: true },
  },
  {
    // Back from the county's identity provider (main.ts moves /auth/callback here).
    path: '/auth/callback',
    name: 'sign-in-callback',
    component: () => import('./pages/SignInCallback.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      {
        path: 'me',
        name: 'me',
        component: () => import('./pages/hours/Me.vue'),
        meta: { title: '我的', menu: true, roles: ['team_leader', 'volunteer'] },
      },
      {
        path: '',
        name: 'home',
        component: () => import('./pages/dashboard/Index.vue'),
        meta: { title: '工作台', menu: true },
      },
      {
        path: 'communities',
        name: 'communities',
        component: () => import('./pages/communities/Index.vue'),
        meta: { title: '社区与支部', menu: true, roles: STAFF },
      },
      {
        path: 'branches',
        name: 'branches',
        component: () => import('./pages/branch/List.vue'),
        meta: { title: '大支部', menu: true, roles: COMMUNITY_ADMINS },
      },
      {
        path: 'branches/:id',
        name: 'branch',
        component: () => import('./pages/branch/Detail.vue'),
        meta: { title: '大支部详情', roles: COMMUNITY_ADMINS },
      },
      {
        path: 'escalations',
        name: 'escalations',
        component: () => import('./pages/branch/Escalations.vue'),
        meta: { title: '难题联解', menu: true, roles: BRANCH_ASSIGNERS },
      },
      {
        path: 'teams',
        name: 'teams',
        component: () => import('./pages/teams/List.vue'),
        meta: { title: '服务队', menu: true, roles: STAFF },
      },
      {
        path: 'teams/:id',
        name: 'team',
        component: () => import('./pages/teams/Detail.vue'),
        meta: { title: '服务队详情', roles: STAFF },
      },
      {
        path: 'volunteers',
        name: 'volunteers',
        component: () => import('./pages/volunteers/List.vue'),
        meta: { title: '志愿者', menu: true, roles: STAFF },
      },
      {
        path: 'volunteers/new',
        name: 'volunteer-new',
        component: () => import('./pages/volunteers/Form.vue'),
        meta: { title: '登记志愿者', roles: ADMIN_ROLES },
      },
      {
        path: 'volunteers/import',
        name: 'volunteer-import',
        component: () => import('./pages/volunteers/Import.vue'),
        meta: { title: '批量导入志愿者', roles: ADMIN_ROLES },
      },
      {
        path: 'volunteers/:id([0-9a-fA-F-]{36})',
        name: 'volunteer',
        component: () => import('./pages/volunteers/Detail.vue'),
        props: true,
        meta: { title: '志愿者详情', roles: STAFF },
      },
      {
        path: 'volunteers/:id/hours',
        name: 'volunteer-hours',
        component: () => import('./pages/hours/VolunteerHours.vue'),
        meta: { title: '志愿时长', roles: STAFF },
      },
      {
        path: 'activities',
        name: 'activities',
        component: () => import('./pages/activities/List.vue'),
        meta: { title: '活动', menu: true, roles: STAFF },
      },
      {
        path: 'activities/new',
        name: 'activity-new',
        component: () => import('./pages/activities/Form.vue'),
        meta: { title: '登记活动', roles: LOGGERS },
      },
      {
        path: 'activities/:id',
        name: 'activity',
        component: () => import('./pages/activities/Detail.vue'),
        props: true,
        meta: { title: '活动详情', roles: STAFF },
      },
      {
        path: 'activities/:id/correct',
        name: 'activity-correct',
        component: () => import('./pages/activities/Form.vue'),
        props: (route) => ({ correctId: route.params.id }),
        meta: { title: '更正活动', roles: ADMIN_ROLES },
      },
      {
        path: 'orders',
        name: 'orders',
        component: () => import('./pages/orders/List.vue'),
        meta: { title: '居民点单', menu: true, roles: STAFF },
      },
      {
        path: 'orders/new',
        name: 'order-new',
        component: () => import('./pages/orders/Form.vue'),
        meta: { title: '受理居民点单', roles: ADMIN_ROLES },
      },
      {
        path: 'orders/:id',
        name: 'order',
        component: () => import('./pages/orders/Detail.vue'),
        meta: { title: '工单详情', roles: STAFF },
      },
      {
        path: 'care-tasks',
        name: 'care-tasks',
        component: () => import('./pages/care-tasks/List.vue'),
        meta: { title: '三必访五必谈', menu: true, roles: COMMUNITY_ADMINS },
      },
      {
        path: 'resources',
        name: 'resources',
        component: () => import('./pages/resources/List.vue'),
        meta: { title: '资源联享', menu: true, roles: STAFF },
      },
      {
        path: 'resources/:id',
        name: 'resource',
        component: () => import('./pages/resources/Detail.vue'),
        meta: { title: '资源详情', roles: STAFF },
      },
      {
        path: 'care-recipients',
        name: 'care-recipients',
        component: () => import('./pages/care-register/List.vue'),
        meta: { title: '关爱对象', menu: true, roles: STAFF },
      },
      {
        path: 'care-recipients/:id',
        name: 'care-recipient',
        component: () => import('./pages/care-register/Detail.vue'),
        meta: { title: '关爱对象详情', roles: STAFF },
      },
      {
        path: 'report',
        name: 'report',
        component: () => import('./pages/dashboard/Report.vue'),
        meta: { title: '报告', menu: true, roles: COMMUNITY_ADMINS },
      },
      {
        path: '403',
        name: 'forbidden',
        component: () => import('./pages/Forbidden.vue'),
        meta: { title: '无权访问' },
      },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

// Back from the identity provider at /auth/callback?code=…: the pages live behind the
// hash, so the same address becomes /#/auth/callback?code=… before the history reads it.
const callback = typeof window === 'undefined' ? null : callbackRoute(window.location)
if (callback) window.history.replaceState(null, '', callback)

export const router = createRouter({ history: createWebHashHistory(), routes })

router.beforeEach((to) => {
  const session = useSession()
  if (to.meta.public) return true
  // An expired token would only be refused: sign in again first, coming back here.
  if (session.expired()) session.forget()
  if (!session.signedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (!session.hasRole(to.meta.roles)) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 七色工作台` : '七色工作台'
})
