// How bills, their lines and payments are described on screen.
import type { BillLine, PaymentOrderState } from '../generated/wire';

/** Complaints about a bill line open in the complaints screen once it exists (issue: repairs
 * and complaints); until then the "dispute" button stays hidden. Flip this with that screen. */
export const COMPLAINTS_AVAILABLE = false;

/** Where "dispute this line" leads: a complaint prefilled with the bill and line. */
export function disputeLink(billId: string, lineId: string): string {
  return `/complaints/new?category=fees&bill=${encodeURIComponent(billId)}&line=${encodeURIComponent(lineId)}`;
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
      return '#07c160';
    case 'awaiting_payment':
    case 'processing':
      return '#f59e0b';
    case 'refunded':
      return '#1989fa';
    default:
      return '#9ca3af';
  }
}

/** Whether an order may still change on its own (keep following it). */
export function isOpen(state: PaymentOrderState): boolean {
  return state === 'awaiting_payment' || state === 'processing';
}
