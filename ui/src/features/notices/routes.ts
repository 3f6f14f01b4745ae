// The routes of this feature (community notices); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/notices', name: 'notices', component: () => import('./NoticesView.vue'), meta: { tab: true } },
  { path: '/notices/:id', name: 'notice', component: () => import('./NoticeDetailView.vue') },
];
