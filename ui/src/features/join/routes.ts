// The routes of this feature (加入小区, the first screen of a fresh app); router.ts registers them.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/join', name: 'join', component: () => import('./JoinView.vue'), meta: { public: true } },
];
