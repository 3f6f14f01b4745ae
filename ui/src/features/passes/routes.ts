// The routes of this feature (visitor passes); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/visitors', name: 'visitors', component: () => import('./VisitorsView.vue') },
  { path: '/visitors/new', name: 'visitor-new', component: () => import('./VisitorNewView.vue') },
  { path: '/visitors/:id', name: 'visitor-pass', component: () => import('./VisitorPassView.vue') },
];
