// "Dispute this line" on a bill: a fees complaint linked to that bill line, which the ticket
// then names and links back to.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import { disputeLink } from '../src/features/bills/bills';
import { money } from '../src/features/bills/money';
import { mountApp } from './helpers';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
/** Whether a category chip is the chosen one (filled, not plain). Tests stub Vant's
 * transition, so the test id may sit on a wrapper around the tag itself. */
function chosen(category: string): boolean {
  const el = byId(`ticket-category-${category}`);
  const tag = el?.matches('.van-tag') ? el : el?.querySelector('.van-tag');
  if (!tag) throw new Error(`no chip for ${category}`);
  return !tag.classList.contains('van-tag--plain');
}

/** The water and electricity bill: two lines, so picking the second one matters. */
function utilities(backend: FakeBackend) {
  const bill = backend.billing.bills.find((b) => b.lines.length === 2)!;
  return { bill, line: bill.lines[1]! };
}

async function describeAndSubmit(wrapper: VueWrapper, text: string): Promise<void> {
  await wrapper.find('[data-testid="ticket-description"] textarea').setValue(text);
  await wrapper.find('form').trigger('submit');
}

describe('disputing a bill line', () => {
  it('links from the line to a fees complaint about it, and the ticket links back', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { bill, line } = utilities(backend);
    const { wrapper, router } = await mountApp(backend, `/bills/${bill.id}`);
    mounted = wrapper;

    await vi.waitFor(() => expect(all('bill-line-dispute')).toHaveLength(2));
    expect(all('bill-line-dispute')[1]!.textContent).toContain('对此项有疑问');
    all('bill-line-dispute')[1]!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket-new'));
    expect(router.currentRoute.value.query).toEqual({ kind: 'complaint', category: 'fees', bill: bill.id, line: line.id });

    // The form is about that line: its name, period and amount, fees preselected, nothing typed.
    await vi.waitFor(() => expect(byId('ticket-bill-line')).not.toBeNull());
    const card = byId('ticket-bill-line')!;
    expect(card.dataset.lineId).toBe(line.id);
    expect(card.textContent).toContain('关于账单项目');
    expect(card.textContent).toContain(line.name);
    expect(card.textContent).toContain(`${line.period_from} 至 ${line.period_to}`);
    expect(card.textContent).toContain(money(line.amount_minor));
    expect(chosen('fees')).toBe(true);
    expect(chosen('service')).toBe(false);
    const textarea = wrapper.find<HTMLTextAreaElement>('[data-testid="ticket-description"] textarea');
    expect(textarea.element.value).toBe('');
    expect(textarea.attributes('placeholder')).toContain('读数不对');

    await describeAndSubmit(wrapper, '电表读数和家里的表对不上');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket'));
    expect(backend.ticketList).toHaveLength(1);
    expect(backend.ticketList[0]!.request).toMatchObject({ kind: 'complaint', category: 'fees', bill_line_id: line.id, description: '电表读数和家里的表对不上' });

    // The queued ticket names the line and opens its bill.
    await vi.waitFor(() => expect(byId('ticket-bill-line')?.textContent).toContain(line.name));
    expect(byId('ticket-bill-line')!.textContent).toContain('关于账单项目');
    byId('ticket-bill-line')!.querySelector<HTMLElement>('.van-cell')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/bills/${bill.id}`));
  });

  it('works offline from the cached bills', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.setOnline(false);
    const { bill, line } = utilities(backend);
    const { wrapper, router } = await mountApp(backend, disputeLink(bill.id, line.id));
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('ticket-bill-line')?.dataset.lineId).toBe(line.id));
    await describeAndSubmit(wrapper, '面积不对');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket'));
    expect(backend.ticketList[0]!.request?.bill_line_id).toBe(line.id);
  });

  it('an unknown line still lets the resident complain, just without the link', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { bill } = utilities(backend);
    const { wrapper, router } = await mountApp(backend, disputeLink(bill.id, '0193a000-0000-7000-8000-00000000cfff'));
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('ticket-submit')).not.toBeNull());
    expect(byId('ticket-bill-line')).toBeNull();
    expect(chosen('fees')).toBe(true);
    await describeAndSubmit(wrapper, '这笔费用看不懂');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket'));
    expect(backend.ticketList).toHaveLength(1);
    expect(backend.ticketList[0]!.request).toMatchObject({ kind: 'complaint', category: 'fees', bill_line_id: null });
    expect(byId('ticket-bill-line')).toBeNull();
  });

  it('a line id in a link for another kind is not sent, and a category the kind lacks is ignored', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { bill, line } = utilities(backend);
    const { wrapper, router } = await mountApp(backend, `/tickets/new?kind=repair&category=fees&bill=${bill.id}&line=${line.id}`);
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('ticket-submit')).not.toBeNull());
    expect(byId('ticket-bill-line')).toBeNull();
    expect(byId('ticket-category-fees')).toBeNull();
    expect(chosen('water_electric')).toBe(true);
    await describeAndSubmit(wrapper, '厨房水槽漏水');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket'));
    expect(backend.ticketList[0]!.request).toMatchObject({ kind: 'repair', category: 'water_electric', bill_line_id: null });
  });
});
