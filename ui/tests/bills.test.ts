import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import { money, yuan } from '../src/features/bills/money';
import { lineFormula } from '../src/features/bills/bills';
import { MEMBERSHIPS, demoBills } from '../src/backend/fakeData';
import { mountApp } from './helpers';
import { BackendError } from '../src/backend';
import zh from '../src/i18n/zh-CN';
import type { Bill, PaymentOrder, Receipt } from '../src/generated/wire';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

// What the backend decides about an order (its amount, that it holds its bills, its outcome) is
// tests/e2e/bills.rs; here each test says what the backend answered.
let orders = 0;
/** An order for `bills` awaiting payment, as the backend makes it (the amount is what is due). */
function awaiting(bills: Bill[]): PaymentOrder {
  orders += 1;
  const id = `0193a000-0000-7000-8000-00000000d${String(orders).padStart(3, '0')}`;
  return {
    id,
    membership_id: MEMBERSHIPS[0]!.id,
    bill_ids: bills.map((b) => b.id),
    amount_minor: bills.reduce((s, b) => s + b.due_minor, 0),
    currency: 'CNY',
    channel: 'demo',
    state: 'awaiting_payment',
    client_action: { type: 'demo_confirm', url: `https://127.0.0.1/demo-pay/${id}/x` },
    created_at: '2026-11-29T02:00:00Z',
    expires_at: '2026-11-29T02:15:00Z',
    paid_at: null,
    provider_txn_id: null,
    receipt_id: null,
    failure_reason: null,
    late: false,
    refund: null,
  };
}

/** The backend's books after the provider confirmed `order`: its bills paid, one receipt. */
function settle(backend: FakeBackend, order: PaymentOrder): PaymentOrder {
  const paidAt = '2026-11-29T02:01:00Z';
  const bills = backend.billing.bills.filter((b) => order.bill_ids.includes(b.id));
  for (const b of bills) Object.assign(b, { state: 'paid', overdue: false, paid_minor: b.total_minor, due_minor: 0, paid_at: paidAt, open_order_id: null });
  const receipt: Receipt = {
    id: '0193a000-0000-7000-8000-00000000e001',
    number: 'SJ202611290001',
    order_id: order.id,
    unit_id: bills[0]!.unit_id,
    payer: '王芳',
    issuer: '安居物业服务有限公司',
    community: '翠湖花园',
    unit: '3栋2单元1502',
    lines: bills.flatMap((b) => b.lines.map((l) => ({ bill_id: b.id, bill_line_id: l.id, name: l.name, period_from: l.period_from, period_to: l.period_to, amount_minor: l.amount_minor }))),
    amount_minor: order.amount_minor,
    currency: 'CNY',
    channel: 'demo',
    provider_txn_id: 'DEMO1',
    paid_at: paidAt,
  };
  backend.billing.receipts.unshift(receipt);
  return { ...order, state: 'succeeded', client_action: null, paid_at: paidAt, provider_txn_id: 'DEMO1', receipt_id: receipt.id };
}

const all = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('money', () => {
  it('is integer fen shown as ¥ with two decimals, never through a float', () => {
    expect(yuan(75180)).toBe('751.80');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(-1205)).toBe('-12.05');
    expect(money(126_840_000)).toBe('¥1,268,400.00');
    // 0.1 + 0.2 style errors cannot happen: 10 fen + 20 fen is 30 fen.
    expect(money(10 + 20)).toBe('¥0.30');
  });

  it('explains how a line was computed', () => {
    const [fee, water] = [demoBills()[0]!.lines[0]!, demoBills()[1]!.lines[0]!];
    const months = (n: number) => `${n} 个月`;
    const usage = (p: string, c: string) => `上期 ${p} → 本期 ${c}`;
    expect(lineFormula(fee, months, usage)).toBe('89.50 m² × ¥2.80 × 3 个月');
    expect(lineFormula(water, months, usage)).toBe('上期 1062.4 → 本期 1073.7，11.3 吨 × ¥3.90');
  });
});

describe('the bills screen', () => {
  it('lists unpaid bills first with the total due and marks overdue ones', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/bills');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('bill-item')).toHaveLength(3));
    const due = backend.billing.bills.filter((b) => b.state === 'unpaid').reduce((s, b) => s + b.due_minor, 0);
    expect(byId('bills-due')?.textContent).toBe(money(due));
    expect(document.body.textContent).toContain('已逾期');
  });

  it('says a payment is in progress and never lets the bill be picked again', async () => {
    const backend = new FakeBackend({ signedIn: true });
    // An open order holds the first bill (as the backend answered an earlier payment).
    const first = backend.billing.bills[0]!;
    const held = awaiting([first]);
    backend.billing.orders.unshift(held);
    first.open_order_id = held.id;
    const unpaid = backend.billing.bills.filter((b) => b.state === 'unpaid' && b.id !== first.id);
    const others = unpaid.map((b) => b.id);
    backend.script('pay', awaiting(unpaid));
    const pay = vi.spyOn(backend, 'pay');
    const { wrapper } = await mountApp(backend, '/bills');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('bills-in-progress')).not.toBeNull());
    expect(byId('bills-in-progress')?.textContent).toContain('请勿重复支付');

    // Its box is off and stays off when tapped; paying pays the others only. (That the
    // backend itself refuses a second order for it is tests/e2e/bills.rs, payment-in-progress.)
    const box = () => document.querySelector<HTMLElement>(`[data-testid="bill-item"][data-bill-id="${first.id}"] .van-checkbox`)!;
    expect(box().classList.contains('van-checkbox--disabled'), 'the held bill cannot be ticked').toBe(true);
    expect(box().querySelector('.van-checkbox__icon--checked'), 'nor is it ticked by default').toBeNull();
    box().click();
    await vi.waitFor(() => expect(byId('bills-pay')?.textContent).toContain(`已选 ${others.length} 笔`));
    expect(box().querySelector('.van-checkbox__icon--checked'), 'a tap does not tick it').toBeNull();
    byId('bills-pay')!.querySelector<HTMLElement>('button')!.click();
    await vi.waitFor(() => expect(pay).toHaveBeenCalledTimes(1));
    expect([...pay.mock.calls[0]![0]].sort(), 'the order is for the other unpaid bills').toEqual([...others].sort());

    // Its own page offers no pay button either, and says why.
    wrapper.unmount();
    mounted = null;
    document.body.innerHTML = '';
    const again = await mountApp(backend, `/bills/${first.id}`);
    mounted = again.wrapper;
    await vi.waitFor(() => expect(byId('bill-due')).not.toBeNull());
    expect(byId('bill-pay'), 'no way to pay it again').toBeNull();
    expect(document.body.textContent).toContain(zh.bills.doNotPayAgain);
    expect(pay, 'nothing more was asked of the backend').toHaveBeenCalledTimes(1);
  });

  it('paying offline says so plainly and asks nothing of the backend', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.setOnline(false);
    const pay = vi.spyOn(backend, 'pay');
    const bill = backend.billing.bills[0]!;
    const { wrapper } = await mountApp(backend, `/bills/${bill.id}`);
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('bill-pay')).not.toBeNull());
    byId('bill-pay')!.click();
    await vi.waitFor(() => expect(document.querySelector('.van-toast')?.textContent).toContain(zh.bills.needsNetwork));
    expect(byId('pay-checkout'), 'no checkout opens').toBeNull();
    expect(pay, 'no order is asked for').not.toHaveBeenCalled();
  });

  it('a connection lost as the order is made says so plainly', async () => {
    const backend = new FakeBackend({ signedIn: true });
    // The core's answer when the backend cannot be reached (tests/e2e/bills.rs: offline).
    vi.spyOn(backend, 'pay').mockRejectedValueOnce(new BackendError('offline', 'the backend cannot be reached'));
    const bill = backend.billing.bills[0]!;
    const { wrapper } = await mountApp(backend, `/bills/${bill.id}`);
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('bill-pay')).not.toBeNull());
    byId('bill-pay')!.click();
    await vi.waitFor(() => expect(byId('pay-error')?.dataset.code).toBe('offline'));
    expect(byId('pay-error')?.textContent, 'the offline message, not a generic one').toContain(zh.errors.offline);
    expect(byId('pay-checkout')).toBeNull();
  });
});

describe('paying', () => {
  it("offers the checkout page's own actions and shows the backend's outcome with the receipt", async () => {
    const backend = new FakeBackend({ signedIn: true });
    const bill = backend.billing.bills[0]!;
    const order = awaiting([bill]);
    backend.script('pay', order);
    backend.script('checkoutAction', () => settle(backend, order));
    const choose = vi.spyOn(backend, 'checkoutAction');
    const { wrapper, router } = await mountApp(backend, `/bills/${bill.id}`);
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('bill-pay')).not.toBeNull());
    byId('bill-pay')!.click();
    await vi.waitFor(() => expect(byId('pay-action-confirm')).not.toBeNull());
    const frame = byId('pay-checkout') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox'), 'nothing of the page runs').toBe('');
    expect(frame.getAttribute('srcdoc')).toContain('¥751.80');
    expect(frame.getAttribute('srcdoc'), 'its forms are offered natively instead').not.toContain('<form');
    byId('pay-action-confirm')!.click();
    await vi.waitFor(() => expect(byId('pay-result')?.dataset.state).toBe('succeeded'));
    expect(choose.mock.calls, "the page's own confirm form, sent through the core").toEqual([[order.id, `https://127.0.0.1/demo-pay/${order.id}/x/confirm`]]);

    // The receipt the backend issued opens from the outcome.
    const receipt = backend.billing.receipts[0]!;
    byId('pay-receipt')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/receipts/${receipt.id}`));
    await vi.waitFor(() => expect(byId('receipt-detail')?.dataset.number, 'the receipt shown is the one issued').toBe(receipt.number));
    expect(byId('receipt-amount')?.textContent).toBe(money(bill.total_minor));
  });
});
