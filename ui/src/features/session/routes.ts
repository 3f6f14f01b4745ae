// The routes of this feature (signing in, home and 我的); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./LoginView.vue'), meta: { public: true } },
  { path: '/home', name: 'home', component: () => import('./HomeView.vue'), meta: { tab: true } },
  { path: '/me', name: 'me', component: () => import('./MeView.vue'), meta: { tab: true } },
];
