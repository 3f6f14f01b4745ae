// The current household's bills, payment orders, receipts and ledger, read from the core's
// cache; a `bill` data-changed event reloads them.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Bill, LedgerPeriod, PaymentOrder, Receipt, EntityKind } from '../../generated/wire';
import type { Backend } from '../../backend';
import { isOpen } from './bills';

export const useBilling = defineStore('billing', () => {
  const bills = ref<Bill[]>([]);
  const orders = ref<PaymentOrder[]>([]);
  const receipts = ref<Receipt[]>([]);
  const ledger = ref<LedgerPeriod[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['bill', 'membership'];

  const unpaid = computed(() => bills.value.filter((b) => b.state === 'unpaid' || b.state === 'partially_paid'));
  const settled = computed(() => bills.value.filter((b) => b.state === 'paid' || b.state === 'void'));
  const dueTotal = computed(() => unpaid.value.reduce((sum, b) => sum + b.due_minor, 0));
  const overdueCount = computed(() => unpaid.value.filter((b) => b.overdue).length);
  /** Orders still waiting for the provider: their bills must not be paid again. */
  const openOrders = computed(() => orders.value.filter((o) => isOpen(o.state)));

  async function load(backend: Backend): Promise<void> {
    const [b, o, r, l] = await Promise.all([backend.bills(), backend.paymentOrders(), backend.receipts(), backend.ledger()]);
    bills.value = b;
    orders.value = o;
    receipts.value = r;
    ledger.value = l;
    loaded.value = true;
  }

  function clear(): void {
    bills.value = [];
    orders.value = [];
    receipts.value = [];
    ledger.value = [];
    loaded.value = false;
  }

  return { bills, orders, receipts, ledger, loaded, unpaid, settled, dueTotal, overdueCount, openOrders, load, clear, kinds };
});
