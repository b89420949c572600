// Static routes; `meta.roles` says who may open a page (and see it in the menu).
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from './api/token'
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
const REPORT_READERS: readonly Role[] = ['county_admin', 'branch_admin', 'community_admin']

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/Login.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('./pages/dashboard/Index.vue'),
        meta: { title: '工作台', menu: true },
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
        path: 'report',
        name: 'report',
        component: () => import('./pages/dashboard/Report.vue'),
        meta: { title: '报告', menu: true, roles: REPORT_READERS },
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

export const router = createRouter({ history: createWebHashHistory(), routes })

router.beforeEach((to) => {
  const session = useSession()
  if (to.meta.public) return true
  if (!session.signedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (!session.hasRole(to.meta.roles)) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 七色工作台` : '七色工作台'
})
