// Binding a home over the fake backend: the directory walked in the cascader, the owner hint
// shown, the request sent as typed, and what the backend answers (bound at once, or pending
// with its state) shown; a refusal keeps what was typed; an owner approves and refuses.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from '../src/backend/fake';
import { BackendError } from '../src/backend';
import { DIRECTORY_ROOMS, MEMBERSHIPS } from '../src/backend/fakeData';
import { mountApp } from './helpers';
import type { VueWrapper } from '@vue/test-utils';
import type { HomeRequest } from '../src/generated/wire';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
const room801 = DIRECTORY_ROOMS['1栋/1单元']![0]!;

function request(over: Partial<HomeRequest>): HomeRequest {
  return {
    id: '0193a000-0000-7000-8000-0000000000c1',
    community: MEMBERSHIPS[0]!.community,
    unit: room801.unit,
    relation: 'owner',
    ends_on: null,
    requester: '陈静',
    phone_masked: '139****0066',
    state: 'pending',
    waits_for: 'desk',
    decided_by: null,
    reason: null,
    membership_id: null,
    created_at: '2026-12-01T08:00:00Z',
    decided_at: null,
    ...over,
  };
}

/** Clicks the cascader's option that reads `text` (waiting for the level to load). */
async function pick(text: string): Promise<void> {
  await vi.waitFor(() => {
    const option = Array.from(document.querySelectorAll<HTMLElement>('.van-cascader__option')).find((o) => o.textContent?.trim().startsWith(text));
    expect(option, `the option ${text}`).toBeDefined();
    option!.click();
  });
}

async function walkTo801(): Promise<void> {
  byId('bind-room')!.click();
  await pick('翠湖花园');
  await pick('1栋');
  await pick('1单元');
  await pick('801');
  await vi.waitFor(() => expect(byId('bind-hint')?.textContent).toContain('陈*'));
}

describe('binding a home', () => {
  it('starts from the unbound card, walks the directory and is bound at once by the backend', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.unbound = true;
    // The backend's answer (crates/server/tests/api/homes.rs checks it): the name matched.
    backend.script('requestHome', () => {
      backend.unbound = false;
      return request({ state: 'approved', waits_for: null, decided_by: 'record', membership_id: MEMBERSHIPS[0]!.id });
    });
    const send = vi.spyOn(backend, 'requestHome');
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('home-bind')).not.toBeNull());
    byId('home-bind')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('home-bind'));
    await vi.waitFor(() => expect(byId('bind-room')).not.toBeNull());
    await walkTo801();
    expect(byId('bind-owner-name')?.querySelector('input')?.placeholder, 'the hint helps typing').toContain('陈*');
    expect((byId('bind-send') as HTMLButtonElement).disabled, 'an owner gives the name first').toBe(true);
    await wrapper.find('[data-testid="bind-owner-name"] input').setValue('陈静');
    byId('bind-send')!.click();
    await vi.waitFor(() => expect(send).toHaveBeenCalled());
    expect(send.mock.calls[0]![0]).toEqual({ unit_id: room801.unit.id, relation: 'owner', owner_name: '陈静', ends_on: null });
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('home'));
    await vi.waitFor(() => expect(byId('home-community')?.textContent).toContain('翠湖花园'));
  });

  it('a pending request shows whom it waits for, and a refusal keeps what was typed', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.unbound = true;
    backend.fail('requestHome', new BackendError('request-pending', 'asked already'));
    backend.script('requestHome', () => {
      const made = request({ relation: 'tenant', ends_on: '2027-06-30', waits_for: 'desk' });
      backend.homeRequestList.mine.unshift(made);
      return made;
    });
    const { wrapper, router } = await mountApp(backend, '/homes/bind');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('bind-room')).not.toBeNull());
    await walkTo801();
    await wrapper.find('[data-testid="bind-relation-tenant"]').trigger('click');
    await vi.waitFor(() => expect(byId('bind-ends-on')).not.toBeNull());
    await wrapper.find('[data-testid="bind-ends-on"] input').setValue('2027-06-30');
    byId('bind-send')!.click();
    await vi.waitFor(() => expect(byId('bind-refusal')?.textContent).toContain('您已申请绑定该房屋'));
    expect((wrapper.find('[data-testid="bind-ends-on"] input').element as HTMLInputElement).value, 'nothing typed is lost').toBe('2027-06-30');
    byId('bind-send')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('home-requests'));
    await vi.waitFor(() => expect(byId('my-request-state')?.textContent).toContain('等待物业审核'));
    expect(byId('my-request-cancel'), 'a pending request may be withdrawn').not.toBeNull();
  });

  it('the owner approves one request and refuses another with a reason; a refused request shows why', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const asking = request({ id: '0193a000-0000-7000-8000-0000000000c2', relation: 'family', waits_for: 'owner', unit: MEMBERSHIPS[0]!.unit });
    const renting = request({ id: '0193a000-0000-7000-8000-0000000000c3', relation: 'tenant', waits_for: 'owner', requester: '李雷', unit: MEMBERSHIPS[0]!.unit });
    backend.homeRequestList.to_decide.push(asking, renting);
    backend.homeRequestList.mine.push(request({ id: '0193a000-0000-7000-8000-0000000000c4', state: 'refused', reason: '姓名与登记不符', waits_for: null, decided_by: 'desk' }));
    const take = (id: string) => {
      const at = backend.homeRequestList.to_decide.findIndex((r) => r.id === id);
      return backend.homeRequestList.to_decide.splice(at, 1)[0]!;
    };
    backend.script('approveHomeRequest', (id) => ({ ...take(id), state: 'approved', decided_by: 'owner' }));
    backend.script('refuseHomeRequest', (id, reason) => ({ ...take(id), state: 'refused', reason, decided_by: 'owner' }));
    const refuse = vi.spyOn(backend, 'refuseHomeRequest');
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('home-decide')?.textContent).toContain('2'));
    expect(byId('home-request')?.textContent, 'the refusal is on Home with its reason').toContain('姓名与登记不符');
    byId('home-decide')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('home-requests'));
    await vi.waitFor(() => expect(all('decide-request')).toHaveLength(2));
    all('decide-approve')[0]!.click();
    await vi.waitFor(() => expect(all('decide-request')).toHaveLength(1));
    byId('decide-refuse')!.click();
    await vi.waitFor(() => expect(byId('refuse-reason')).not.toBeNull());
    const input = document.querySelector<HTMLInputElement>('[data-testid="refuse-reason"] input')!;
    input.value = '没有出租给此人';
    input.dispatchEvent(new Event('input'));
    await vi.waitFor(() => {
      const confirm = document.querySelector<HTMLButtonElement>('.van-dialog__confirm')!;
      expect(confirm.disabled).toBe(false);
      confirm.click();
    });
    await vi.waitFor(() => expect(refuse.mock.calls).toEqual([[renting.id, '没有出租给此人']]));
    await vi.waitFor(() => expect(all('decide-request')).toHaveLength(0));
    expect(byId('my-request-reason')?.textContent).toContain('姓名与登记不符');
  });

  it('我的 leads to adding a home and to the requests', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('me-add-home')?.textContent).toContain('添加房屋'));
    byId('me-add-home')!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('home-bind'));
  });
});
