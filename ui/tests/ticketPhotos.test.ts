// A ticket's photos: the resident's own under the description, staff after-photos on the
// completion step, each from the core (kept on the device); a photo that cannot be fetched
// leaves a placeholder, not a broken row.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import type { Ticket } from '../src/generated/wire';
import { BackendError } from '../src/backend';
import zh from '../src/i18n/zh-CN';
import { mountApp } from './helpers';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const PIXEL = 'data:image/jpeg;base64,/9j/4AAQSkZJRg==';

async function completed(backend: FakeBackend, own: string, after: string, lost: string): Promise<Ticket> {
  const at = '2026-11-29T02:00:00Z';
  const ticket: Ticket = {
    id: crypto.randomUUID(),
    number: 'BX202611290001',
    membership_id: (await backend.session()).account!.memberships[0]!.id,
    kind: 'repair',
    category: 'pipes',
    place: 'unit',
    place_note: null,
    urgency: 'normal',
    description: '卫生间地漏返水',
    visit_windows: [],
    attachment_ids: [own, lost],
    anonymous: false,
    bill_line_id: null,
    state: 'completed',
    allowed: ['confirm', 'reopen', 'rate', 'comment'],
    created_at: at,
    response_due_at: at,
    fix_due_at: at,
    overdue: false,
    resume_on: null,
    payment_minor: null,
    assignee: '王师傅（水电工）',
    rating: null,
    events: [
      { id: crypto.randomUUID(), at, actor: 'resident', actor_name: '王芳', action: 'created', note: null, attachment_ids: [] },
      { id: crypto.randomUUID(), at, actor: 'staff', actor_name: '李娜（客服）', action: 'completed', note: '已更换地漏芯', attachment_ids: [after] },
    ],
  };
  backend.ticketList.unshift({ id: ticket.id, state: 'sent', request: null, ticket, photos: [], error: null });
  return ticket;
}

describe('ticket photos', () => {
  it('shows the resident’s photos and the staff after-photo on its step', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const [own, after, lost] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    backend.photos.set(own, PIXEL);
    backend.photos.set(after, PIXEL);
    const ticket = await completed(backend, own, after, lost);
    const { wrapper } = await mountApp(backend, `/tickets/${ticket.id}`);
    mounted = wrapper;

    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="ticket-photo-shown"]')).toHaveLength(2));
    const groups = [...document.querySelectorAll<HTMLElement>('[data-testid="ticket-photos"]')];
    expect(groups).toHaveLength(2);
    expect(groups[0]!.querySelector('[data-testid="ticket-photo-shown"]')!.getAttribute('data-photo-id')).toBe(own);
    expect(groups[0]!.querySelectorAll('.missing')).toHaveLength(1);
    const step = document.querySelector<HTMLElement>('[data-testid="ticket-event"][data-action="completed"]')!;
    expect(step.querySelector('[data-testid="ticket-photo-shown"]')!.getAttribute('data-photo-id')).toBe(after);
  });
});

describe('a rated ticket', () => {
  it('shows the resident their own rating: scores, tags and comment', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const ticket = await completed(backend, crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID());
    ticket.state = 'closed';
    ticket.allowed = [];
    ticket.rating = { overall: 4, speed: 5, service: 3, tags: ['上门准时'], comment: '师傅很耐心' };
    const { wrapper } = await mountApp(backend, `/tickets/${ticket.id}`);
    mounted = wrapper;

    await vi.waitFor(() => expect(document.querySelector('[data-testid="ticket-rating"]')).not.toBeNull());
    const card = document.querySelector<HTMLElement>('[data-testid="ticket-rating"]')!;
    expect(card.textContent).toContain('我的评价');
    expect(card.textContent).toContain('上门准时');
    expect(card.textContent).toContain('师傅很耐心');
    const full = [...card.querySelectorAll('.van-rate')].map((r) => r.querySelectorAll('.van-rate__icon--full').length);
    expect(full, 'overall, speed and service as given').toEqual([4, 5, 3]);
    expect(document.querySelector('[data-testid="ticket-rate"]')).toBeNull();
  });
});

describe('a repair report', () => {
  it('offers up to three preferred visit windows and sends them all', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/tickets/new?kind=repair');
    mounted = wrapper;
    await vi.waitFor(() => expect(document.querySelector('[data-testid="ticket-visit-add"]')).not.toBeNull());
    const add = () => document.querySelector<HTMLElement>('[data-testid="ticket-visit-add"]')!.click();
    add();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="ticket-visit"]')).toHaveLength(2));
    add();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="ticket-visit"]')).toHaveLength(3));
    expect(document.querySelector('[data-testid="ticket-visit-add"]'), 'three is the most').toBeNull();
    document.querySelectorAll<HTMLElement>('[data-testid="ticket-visit-remove"]')[1]!.click();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="ticket-visit"]')).toHaveLength(2));

    await wrapper.find('[data-testid="ticket-description"] textarea').setValue('厨房水龙头一直滴水');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('ticket'));
    const windows = backend.ticketList[0]!.request!.visit_windows;
    expect(windows).toHaveLength(2);
    for (const w of windows) {
      expect(Date.parse(w.until) - Date.parse(w.from), 'three hours each by default').toBe(3 * 3600_000);
    }
    expect(Date.parse(windows[1]!.from)).toBeGreaterThan(Date.parse(windows[0]!.from));
  });
});

// Which steps a ticket offers and where a step leads are the backend's (tests/e2e/tickets.rs);
// the screen offers what the ticket's `allowed` says and shows the ticket the step returns.
describe('a resident step', () => {
  it('offers only the allowed steps and shows the ticket the backend returns', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const ticket = await completed(backend, crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID());
    ticket.allowed = ['confirm', 'comment'];
    const at = '2026-11-29T03:00:00Z';
    const confirmed: Ticket = {
      ...structuredClone(ticket),
      state: 'confirmed',
      allowed: ['rate'],
      events: [...ticket.events, { id: crypto.randomUUID(), at, actor: 'resident', actor_name: '王芳', action: 'confirmed', note: null, attachment_ids: [] }],
    };
    backend.script('ticketStep', confirmed);
    const step = vi.spyOn(backend, 'ticketStep');
    const { wrapper } = await mountApp(backend, `/tickets/${ticket.id}`);
    mounted = wrapper;

    await vi.waitFor(() => expect(document.querySelector('[data-testid="ticket-confirm"]')).not.toBeNull());
    expect(document.querySelector('[data-testid="ticket-rate"]'), 'rating is not among the allowed steps yet').toBeNull();
    expect(document.querySelector('[data-testid="ticket-cancel"]'), 'nor is cancelling').toBeNull();
    document.querySelector<HTMLElement>('[data-testid="ticket-confirm"]')!.click();
    await vi.waitFor(() => expect(document.querySelector<HTMLElement>('[data-testid="ticket-state"]')?.dataset.state).toBe('confirmed'));
    expect(step.mock.calls, 'one confirm step was asked for').toEqual([[ticket.id, { step: 'confirm' }]]);
    expect(document.querySelector('[data-testid="ticket-event"][data-action="confirmed"]'), "the backend's new event is on the timeline").not.toBeNull();
    expect(document.querySelector('[data-testid="ticket-confirm"]'), 'confirming is no longer offered').toBeNull();
    expect(document.querySelector('[data-testid="ticket-rate"]'), 'rating now is').not.toBeNull();
  });

  it('a refused step says why and leaves the ticket as it was', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const ticket = await completed(backend, crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID());
    backend.fail('ticketStep', new BackendError('invalid-transition', 'the ticket moved on'));
    const { wrapper } = await mountApp(backend, `/tickets/${ticket.id}`);
    mounted = wrapper;
    await vi.waitFor(() => expect(document.querySelector('[data-testid="ticket-confirm"]')).not.toBeNull());
    document.querySelector<HTMLElement>('[data-testid="ticket-confirm"]')!.click();
    await vi.waitFor(() => expect(document.querySelector('.van-toast')?.textContent).toContain(zh.errors['invalid-transition']));
    expect(document.querySelector<HTMLElement>('[data-testid="ticket-state"]')?.dataset.state, 'still as the backend last said').toBe('completed');
  });
});
