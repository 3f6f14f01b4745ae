// What a resident may do follows the membership's `allowed`, the backend's answer (the rights
// matrix is Rust's: crates/server/src/features/memberships/rules.rs, checked by the api tests):
// the same home with another `allowed` shows other buttons, and where one is missing the screen
// says why. The owner's members list shows what the backend listed and removes after asking.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from '../src/backend/fake';
import { MEMBERSHIPS } from '../src/backend/fakeData';
import { mountApp } from './helpers';
import type { VueWrapper } from '@vue/test-utils';
import type { Action, HomeMember, Membership } from '../src/generated/wire';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));

/** The demo's first home (an owner's) with the backend answering `allowed` instead. */
function homeAllowing(allowed: Action[]): Membership[] {
  return [{ ...MEMBERSHIPS[0]!, allowed }];
}

function member(id: string, name: string, role: HomeMember['role'], removable: boolean, isMe = false): HomeMember {
  return { membership_id: id, name, phone_masked: '139****0061', role, ends_on: role === 'tenant' ? '2027-06-30' : null, since: '2026-11-01T08:00:00Z', is_me: isMe, removable };
}

describe('buttons follow allowed', () => {
  it('the same home with nothing allowed offers no repair, pass, payment, invitation or move-out, and says why', async () => {
    const backend = new FakeBackend({ signedIn: true, memberships: homeAllowing(['read_notices']) });
    const homeMembers = vi.spyOn(backend, 'homeMembers');
    const { wrapper, router } = await mountApp(backend, '/tickets?kind=repair');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('ticket-new-not-allowed')?.textContent).toContain('不能报修'));
    expect(byId('ticket-new'), 'no repair button without report_repair').toBeNull();
    await router.push('/tickets?kind=complaint');
    await vi.waitFor(() => expect(byId('ticket-new-not-allowed')?.textContent).toContain('不能提交投诉建议'));
    await router.push('/visitors');
    await vi.waitFor(() => expect(byId('visitor-new-not-allowed')).not.toBeNull());
    expect(byId('visitor-new'), 'no new pass without issue_passes').toBeNull();
    await router.push('/bills');
    await vi.waitFor(() => expect(byId('bills-pay-not-allowed')?.textContent).toContain('不能缴费'));
    expect(byId('bills-pay'), 'no payment without pay_bills').toBeNull();
    await router.push('/me');
    await vi.waitFor(() => expect(byId('home-members-not-allowed')?.textContent).toContain('不能查看成员'));
    expect(all('household-invite'), 'no invitation without invite').toHaveLength(0);
    expect(all('household-leave'), 'no move-out without move_out').toHaveLength(0);
    expect(homeMembers, 'the list is not even asked for').not.toHaveBeenCalled();
  });

  it('the same home with everything allowed offers each of them', async () => {
    const everything: Action[] = ['report_repair', 'complain', 'issue_passes', 'read_notices', 'pay_bills', 'pay_property_fee', 'invite', 'see_members', 'manage_members', 'move_out'];
    const backend = new FakeBackend({ signedIn: true, memberships: homeAllowing(everything) });
    const { wrapper, router } = await mountApp(backend, '/tickets?kind=repair');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('ticket-new')).not.toBeNull());
    await router.push('/visitors');
    await vi.waitFor(() => expect(byId('visitor-new')).not.toBeNull());
    await router.push('/bills');
    await vi.waitFor(() => expect(byId('bills-pay')).not.toBeNull());
    await router.push('/me');
    await vi.waitFor(() => expect(all('household-invite')).toHaveLength(1));
    expect(all('household-leave')).toHaveLength(1);
    expect(byId('home-members'), 'see_members shows the list').not.toBeNull();
  });
});

describe('home members', () => {
  it('lists the members the backend sent and removes one after asking', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const home = MEMBERSHIPS[0]!;
    const family = member('0193a000-0000-7000-8000-0000000000b2', '李*', 'family', true);
    backend.memberList.push(member(home.id, '王芳', 'owner', false, true), family, member('0193a000-0000-7000-8000-0000000000b3', '赵*', 'tenant', true));
    // The backend's answer after the removal (crates/server/tests/api/members.rs checks it).
    backend.script('removeMember', () => backend.memberList.filter((m) => m.membership_id !== family.membership_id));
    const remove = vi.spyOn(backend, 'removeMember');
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('home-member')).toHaveLength(3));
    expect(all('home-member')[0]!.textContent).toContain('王芳（我）');
    expect(all('home-member')[2]!.textContent, 'a tenancy shows its last day').toContain('租期至 2027-06-30');
    expect(all('home-member-remove').map((b) => b.dataset.membershipId), 'remove only where the backend says removable').toEqual([family.membership_id, '0193a000-0000-7000-8000-0000000000b3']);
    all('home-member-remove')[0]!.click();
    await vi.waitFor(() => expect(byId('home-member-remove-confirm')).not.toBeNull());
    expect(document.body.textContent, 'the question names the member').toContain('移除 李*？');
    expect(remove, 'nothing happens before the owner confirms').not.toHaveBeenCalled();
    byId('home-member-remove-confirm')!.click();
    await vi.waitFor(() => expect(all('home-member')).toHaveLength(2));
    expect(remove.mock.calls).toEqual([[home.id, family.membership_id]]);
    expect(all('home-member').map((m) => m.dataset.membershipId)).not.toContain(family.membership_id);
  });
});
