// Routes. Hash history: the app is loaded from the Tauri protocol, not a web server.
// Signed-out residents only see /login.
import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import { useSession } from './stores/session';

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/home' },
      { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
      { path: '/home', name: 'home', component: () => import('./views/HomeView.vue'), meta: { tab: true } },
      { path: '/notices', name: 'notices', component: () => import('./views/NoticesView.vue'), meta: { tab: true } },
      { path: '/notices/:id', name: 'notice', component: () => import('./views/NoticeDetailView.vue') },
      { path: '/visitors', name: 'visitors', component: () => import('./views/VisitorsView.vue') },
      { path: '/visitors/new', name: 'visitor-new', component: () => import('./views/VisitorNewView.vue') },
      { path: '/visitors/:id', name: 'visitor-pass', component: () => import('./views/VisitorPassView.vue') },
      { path: '/tickets', name: 'tickets', component: () => import('./views/TicketsView.vue') },
      { path: '/tickets/new', name: 'ticket-new', component: () => import('./views/TicketNewView.vue') },
      { path: '/tickets/:id', name: 'ticket', component: () => import('./views/TicketDetailView.vue') },
      { path: '/bills', name: 'bills', component: () => import('./views/BillsView.vue') },
      { path: '/bills/:id', name: 'bill', component: () => import('./views/BillDetailView.vue') },
      { path: '/payments', name: 'payments', component: () => import('./views/PaymentsView.vue') },
      { path: '/receipts', name: 'receipts', component: () => import('./views/ReceiptsView.vue') },
      { path: '/receipts/:id', name: 'receipt', component: () => import('./views/ReceiptDetailView.vue') },
      { path: '/ledger', name: 'ledger', component: () => import('./views/LedgerView.vue') },
      { path: '/me', name: 'me', component: () => import('./views/MeView.vue'), meta: { tab: true } },
      { path: '/:rest(.*)*', redirect: '/home' },
    ],
  });
  router.beforeEach((to) => {
    const session = useSession();
    if (!session.account && !to.meta.public) return { name: 'login' };
    if (session.account && to.name === 'login') return { name: 'home' };
    return true;
  });
  return router;
}
