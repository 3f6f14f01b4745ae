// Bills, payments, receipts and the ledger for the in-memory FakeBackend: a few realistic
// bills of 3栋2单元1502 and the backend's rules (the amount is recomputed, an open order holds
// its bills, a paid bill cannot be paid again). The demo checkout is a tiny page whose forms
// post `confirm` / `fail` like the reference backend's.
import type { Bill, BillId, BillLine, LedgerPeriod, PaymentOrder, PaymentOrderId, Receipt } from '../generated/wire';
import { BackendError } from './contract';

const UNIT = '0193a000-0000-7000-8000-0000000000a1-unit';
const MEMBERSHIP = '0193a000-0000-7000-8000-0000000000a1';

function line(id: string, name: string, fee: BillLine['fee_item'], amount: number, extra: Partial<BillLine> = {}): BillLine {
  return {
    id,
    fee_item: fee,
    name,
    period_from: '2026-10-01',
    period_to: '2026-12-31',
    quantity: '89.50',
    unit: 'm²',
    unit_price: '2.80',
    months: null,
    meter: null,
    amount_minor: amount,
    penalty_minor: 0,
    discount_minor: 0,
    paid_minor: 0,
    due_minor: amount,
    note: null,
    ...extra,
  };
}

function bill(id: string, title: string, due: string, lines: BillLine[], paid = false): Bill {
  const total = lines.reduce((s, l) => s + l.amount_minor + l.penalty_minor - l.discount_minor, 0);
  if (paid) for (const l of lines) { l.paid_minor = l.amount_minor + l.penalty_minor - l.discount_minor; l.due_minor = 0; }
  return {
    id,
    unit_id: UNIT,
    title,
    period_from: lines[0]?.period_from ?? due,
    period_to: lines[0]?.period_to ?? due,
    issued_at: `${due}T01:00:00Z`,
    due_date: due,
    state: paid ? 'paid' : 'unpaid',
    overdue: !paid && Date.parse(due) < Date.now(),
    currency: 'CNY',
    total_minor: total,
    paid_minor: paid ? total : 0,
    due_minor: paid ? 0 : total,
    lines,
    open_order_id: null,
    paid_at: paid ? `${due}T12:00:00Z` : null,
  };
}

export function demoBills(): Bill[] {
  return [
    bill('0193a000-0000-7000-8000-00000000b001', '2026年第四季度物业费', '2026-10-15', [
      line('0193a000-0000-7000-8000-00000000c001', '物业服务费', 'property_fee', 75180, { months: 3 }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b002', '2026年10月水电费', '2026-11-25', [
      line('0193a000-0000-7000-8000-00000000c002', '水费', 'water', 4407, {
        period_from: '2026-10-01', period_to: '2026-10-31', quantity: '11.3', unit: '吨', unit_price: '3.90',
        meter: { previous: '1062.4', current: '1073.7', read_on: '2026-10-31' }, note: '含污水处理费 1.00 元/吨',
      }),
      line('0193a000-0000-7000-8000-00000000c003', '电费', 'electricity', 12051, {
        period_from: '2026-10-01', period_to: '2026-10-31', quantity: '224', unit: '度', unit_price: '0.5380',
        meter: { previous: '12880', current: '13104', read_on: '2026-10-31' },
      }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b003', '2026年第四季度停车费', '2026-12-31', [
      line('0193a000-0000-7000-8000-00000000c004', '地下车位管理费', 'parking', 90000, { quantity: '1', unit: '个', unit_price: '300.00', months: 3, note: '车位 B2-117' }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b004', '2026年第三季度物业费', '2026-07-15', [
      line('0193a000-0000-7000-8000-00000000c005', '物业服务费', 'property_fee', 75180, { months: 3, period_from: '2026-07-01', period_to: '2026-09-30' }),
    ], true),
  ];
}

export function demoLedger(): LedgerPeriod[] {
  const lines: LedgerPeriod['lines'] = [
    { direction: 'income', category: '物业服务费', name: '物业服务费收入', amount_minor: 126_840_000, note: '收缴率 93.6%' },
    { direction: 'income', category: '公共收益', name: '电梯广告位租金', amount_minor: 3_600_000, note: null },
    { direction: 'expense', category: '人员费用', name: '秩序维护人员薪酬及社保', amount_minor: 41_230_000, note: null },
    { direction: 'expense', category: '设施设备', name: '电梯维保及年检', amount_minor: 8_640_000, note: '24 台' },
    { direction: 'expense', category: '公共能耗', name: '公共区域水电费', amount_minor: 11_870_000, note: null },
  ];
  const income = lines.filter((l) => l.direction === 'income').reduce((s, l) => s + l.amount_minor, 0);
  const expense = lines.filter((l) => l.direction === 'expense').reduce((s, l) => s + l.amount_minor, 0);
  return [{
    community_id: '0193a000-0000-7000-8000-000000000001',
    period: '2026-Q3',
    title: '2026年第三季度公共收益与物业费收支公示',
    period_from: '2026-07-01',
    period_to: '2026-09-30',
    published_at: '2026-10-12T02:00:00Z',
    currency: 'CNY',
    income_minor: income,
    expense_minor: expense,
    balance_minor: income - expense,
    lines,
    attachments: [{ name: '收支明细.csv', media_type: 'text/csv', size: 1024, href: '/v1/ledger/x/2026-Q3/attachments/0' }],
  }];
}

/** The fake's books. */
export class FakeBilling {
  readonly bills: Bill[] = demoBills();
  readonly orders: PaymentOrder[] = [];
  readonly receipts: Receipt[] = [];
  readonly ledger: LedgerPeriod[] = demoLedger();
  private seq = 0;

  pay(billIds: BillId[]): PaymentOrder {
    const chosen = billIds.map((id) => this.bills.find((b) => b.id === id));
    if (chosen.some((b) => !b)) throw new BackendError('not-found', 'no such bill');
    const bills = chosen as Bill[];
    if (bills.some((b) => b.open_order_id)) throw new BackendError('payment-in-progress', 'in progress');
    if (bills.some((b) => b.due_minor <= 0)) throw new BackendError('already-paid', 'paid');
    this.seq += 1;
    const id = `0193a000-0000-7000-8000-00000000d${String(this.seq).padStart(3, '0')}`;
    const order: PaymentOrder = {
      id,
      membership_id: MEMBERSHIP,
      bill_ids: [...billIds],
      amount_minor: bills.reduce((s, b) => s + b.due_minor, 0),
      currency: 'CNY',
      channel: 'demo',
      state: 'awaiting_payment',
      client_action: { type: 'demo_confirm', url: `https://127.0.0.1/demo-pay/${id}?t=x` },
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
      paid_at: null,
      provider_txn_id: null,
      receipt_id: null,
      failure_reason: null,
      late: false,
      refund: null,
    };
    for (const b of bills) b.open_order_id = id;
    this.orders.unshift(order);
    return { ...order };
  }

  order(id: PaymentOrderId): PaymentOrder {
    const order = this.orders.find((o) => o.id === id);
    if (!order) throw new BackendError('not-found', 'no such order');
    return { ...order };
  }

  checkoutPage(id: PaymentOrderId): string {
    const order = this.order(id);
    const yuan = `¥${(order.amount_minor / 100).toFixed(2)}`;
    const form = (action: string, label: string) =>
      `<form method="post" action="https://127.0.0.1/demo-pay/${id}/${action}?t=x" data-action="${action}"><button data-testid="demo-${action}" type="submit">${label}</button></form>`;
    return `<!doctype html><html><body><div class="amount">${yuan}</div>${form('confirm', `确认支付 ${yuan}`)}${form('fail', '模拟支付失败')}</body></html>`;
  }

  act(id: PaymentOrderId, url: string): PaymentOrder {
    const order = this.orders.find((o) => o.id === id);
    if (!order) throw new BackendError('not-found', 'no such order');
    if (order.state !== 'awaiting_payment') return { ...order };
    const bills = this.bills.filter((b) => order.bill_ids.includes(b.id));
    for (const b of bills) b.open_order_id = null;
    order.client_action = null;
    if (url.includes('/fail')) {
      order.state = 'failed';
      order.failure_reason = '支付未成功';
      return { ...order };
    }
    order.state = 'succeeded';
    order.paid_at = new Date().toISOString();
    order.provider_txn_id = `DEMO${Date.now()}`;
    const receiptId = `0193a000-0000-7000-8000-00000000e${String(this.seq).padStart(3, '0')}`;
    order.receipt_id = receiptId;
    for (const b of bills) {
      b.state = 'paid';
      b.overdue = false;
      b.paid_minor = b.total_minor;
      b.due_minor = 0;
      b.paid_at = order.paid_at;
      for (const l of b.lines) { l.paid_minor = l.amount_minor + l.penalty_minor - l.discount_minor; l.due_minor = 0; }
    }
    this.receipts.unshift({
      id: receiptId,
      number: `SJ20261129${String(this.seq).padStart(4, '0')}`,
      order_id: order.id,
      unit_id: UNIT,
      payer: '王芳',
      issuer: '安居物业服务有限公司',
      community: '翠湖花园',
      unit: '3栋2单元1502',
      lines: bills.flatMap((b) => b.lines.map((l) => ({ bill_id: b.id, bill_line_id: l.id, name: l.name, period_from: l.period_from, period_to: l.period_to, amount_minor: l.amount_minor + l.penalty_minor - l.discount_minor }))),
      amount_minor: order.amount_minor,
      currency: 'CNY',
      channel: 'demo',
      provider_txn_id: order.provider_txn_id,
      paid_at: order.paid_at,
    });
    return { ...order };
  }

  cancel(id: PaymentOrderId): PaymentOrder {
    const order = this.orders.find((o) => o.id === id);
    if (!order) throw new BackendError('not-found', 'no such order');
    if (order.state === 'awaiting_payment') {
      order.state = 'canceled';
      order.client_action = null;
      for (const b of this.bills) if (b.open_order_id === id) b.open_order_id = null;
    }
    return { ...order };
  }
}
