// The routes of this feature (repairs, complaints, suggestions and praise); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/tickets', name: 'tickets', component: () => import('./TicketsView.vue') },
  { path: '/tickets/new', name: 'ticket-new', component: () => import('./TicketNewView.vue') },
  { path: '/tickets/:id', name: 'ticket', component: () => import('./TicketDetailView.vue') },
];
