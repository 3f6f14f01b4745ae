// The routes of this feature (binding a home, home requests); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/homes/bind', name: 'home-bind', component: () => import('./BindHomeView.vue') },
  { path: '/homes/requests', name: 'home-requests', component: () => import('./HomeRequestsView.vue') },
];
