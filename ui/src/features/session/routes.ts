// The routes of this feature (signing in, home and 我的); router.ts registers them with one line.
// Sign-in and home are the first screens (signed out, signed in): in the main bundle, so the
// first screen waits for no chunk of its own; the other screens load when first opened.
import type { RouteRecordRaw } from 'vue-router';
import LoginView from './LoginView.vue';
import HomeView from './HomeView.vue';

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/home', name: 'home', component: HomeView, meta: { tab: true } },
  { path: '/me', name: 'me', component: () => import('./MeView.vue'), meta: { tab: true } },
];
