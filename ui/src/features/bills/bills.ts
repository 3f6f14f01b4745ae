// How bills, their lines and payments are described on screen.
import type { Bill, BillLine, PaymentOrderState } from '../../generated/wire';

/** Where "dispute this line" leads: a fees complaint linked to the bill and line. */
export function disputeLink(billId: string, lineId: string): string {
  return `/tickets/new?kind=complaint&category=fees&bill=${encodeURIComponent(billId)}&line=${encodeURIComponent(lineId)}`;
}

/** A line and its bill among the cached bills; with `billId`, only in that bill. Null when
 * the cache does not have it (another household's, or not synced yet). */
export function findBillLine(bills: Bill[], lineId: string, billId?: string): { bill: Bill; line: BillLine } | null {
  for (const bill of bills) {
    if (billId !== undefined && bill.id !== billId) continue;
    const line = bill.lines.find((l) => l.id === lineId);
    if (line) return { bill, line };
  }
  return null;
}

/** The formula behind a line, e.g. "89.50 m² × ¥2.80 × 3 个月" or "1062.4 → 1073.7，11.3 吨 × ¥3.90". */
export function lineFormula(line: BillLine, monthsWord: (n: number) => string, usage: (prev: string, curr: string) => string): string {
  const price = `¥${line.unit_price}`;
  if (line.meter) {
    return `${usage(line.meter.previous, line.meter.current)}，${line.quantity} ${line.unit} × ${price}`;
  }
  const months = line.months ? ` × ${monthsWord(line.months)}` : '';
  return `${line.quantity} ${line.unit} × ${price}${months}`;
}

export function orderStateColor(state: PaymentOrderState): string {
  switch (state) {
    case 'succeeded':
      return 'var(--linli-success)';
    case 'awaiting_payment':
    case 'processing':
      return 'var(--linli-warn)';
    case 'refunded':
      return 'var(--linli-info)';
    default:
      return 'var(--linli-muted-strong)';
  }
}

/** Whether an order may still change on its own (keep following it). */
export function isOpen(state: PaymentOrderState): boolean {
  return state === 'awaiting_payment' || state === 'processing';
}
