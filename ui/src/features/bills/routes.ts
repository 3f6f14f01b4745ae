// The routes of this feature (bills, payments, receipts and the fee ledger); router.ts registers them with one line.
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/bills', name: 'bills', component: () => import('./BillsView.vue') },
  { path: '/bills/:id', name: 'bill', component: () => import('./BillDetailView.vue') },
  { path: '/payments', name: 'payments', component: () => import('./PaymentsView.vue') },
  { path: '/receipts', name: 'receipts', component: () => import('./ReceiptsView.vue') },
  { path: '/receipts/:id', name: 'receipt', component: () => import('./ReceiptDetailView.vue') },
  { path: '/ledger', name: 'ledger', component: () => import('./LedgerView.vue') },
];
