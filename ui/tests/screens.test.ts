import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend, DEMO_PHONE } from '../src/backend/fake';
import { DEMO_USER, MEMBERSHIPS } from '../src/backend/fakeData';
import { BackendError } from '../src/backend';
import { mountApp } from './helpers';
import type { VueWrapper } from '@vue/test-utils';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
const ids = (id: string) => all(id).map((el) => el.dataset.noticeId);

describe('sign-in screen', () => {
  it('is Chinese by default and explains a wrong password by its code', async () => {
    const backend = new FakeBackend();
    // The core's answer to a wrong password (tests/e2e/auth.rs checks that it gives it).
    backend.fail('signIn', new BackendError('invalid-credentials', 'wrong phone number or password'));
    const signIn = vi.spyOn(backend, 'signIn');
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('login-submit')?.textContent).toContain('登录'));
    expect(byId('login-password'), 'signing in by SMS code comes first').toBeNull();
    await wrapper.find('[data-testid="login-mode-password"]').trigger('click');
    // The WebDriver tests type into the marked element itself: it must be the <input>.
    expect(byId('login-phone')?.tagName).toBe('INPUT');
    expect(byId('login-password')?.tagName).toBe('INPUT');
    await wrapper.find('input[data-testid="login-phone"]').setValue(DEMO_PHONE);
    await wrapper.find('input[data-testid="login-password"]').setValue('wrong');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('手机号或密码错误'));
    expect(signIn.mock.calls, 'what was typed is what the core was asked').toEqual([[DEMO_PHONE, 'wrong']]);
  });

  it('says when sign-in is throttled or the backend is too busy to check, and keeps what was typed', async () => {
    const backend = new FakeBackend();
    // The backend's answers when a sign-in budget is spent (429) or no argon2 check is free
    // (503); crates/server/tests/api/throttle.rs checks that it gives them.
    backend.fail('signIn', new BackendError('rate-limited', 'too many failed sign-ins'));
    backend.fail('signIn', new BackendError('service-unavailable', 'too many sign-ins at once'));
    const { wrapper } = await mountApp(backend, '/login');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('login-mode-password')).not.toBeNull());
    await wrapper.find('[data-testid="login-mode-password"]').trigger('click');
    await wrapper.find('input[data-testid="login-phone"]').setValue(DEMO_PHONE);
    await wrapper.find('input[data-testid="login-password"]').setValue('demo1234');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('尝试次数过多，请稍后再试'));
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('服务暂时不可用，请稍后再试'));
    expect((byId('login-phone') as HTMLInputElement).value, 'the number stays').toBe(DEMO_PHONE);
    expect((byId('login-password') as HTMLInputElement).value, 'the password stays for the retry').toBe('demo1234');
  });

  it('signs in with an SMS code: asks for it, counts down, sends what was typed', async () => {
    const backend = new FakeBackend();
    // The backend's answer to a wrong code, once (tests/e2e checks the core gives it).
    backend.fail('signInWithCode', new BackendError('sms-code-invalid', 'wrong code'));
    const ask = vi.spyOn(backend, 'requestSignInCode');
    const signIn = vi.spyOn(backend, 'signInWithCode');
    const { wrapper } = await mountApp(backend, '/login');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('login-code')?.tagName, 'the code field is the default').toBe('INPUT'));
    await wrapper.find('[data-testid="login-send-code"]').trigger('click');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('请输入 11 位手机号'));
    expect(ask, 'no code is asked for a number that cannot be one').not.toHaveBeenCalled();
    await wrapper.find('input[data-testid="login-phone"]').setValue('+86 138-0000-0009');
    await wrapper.find('[data-testid="login-send-code"]').trigger('click');
    await vi.waitFor(() => expect(byId('login-code-sent')?.textContent).toContain('5 分钟内有效'));
    expect(ask.mock.calls, 'the number is sent without spaces, dashes or +86').toEqual([['13800000009']]);
    expect(byId('login-send-code')?.textContent, 'the backend said when to ask again').toMatch(/\d+ 秒后重发/);
    expect((byId('login-send-code') as HTMLButtonElement).disabled, 'no second code before then').toBe(true);
    await wrapper.find('input[data-testid="login-code"]').setValue('12345');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('请输入 6 位验证码'));
    expect(signIn, 'a short code is not sent').not.toHaveBeenCalled();
    await wrapper.find('input[data-testid="login-code"]').setValue('123456');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('验证码错误或已失效'));
    expect((byId('login-code') as HTMLInputElement).value, 'the wrong code is cleared for the right one').toBe('');
    expect((byId('login-phone') as HTMLInputElement).value, 'the number stays').toBe('+86 138-0000-0009');
    await wrapper.find('input[data-testid="login-code"]').setValue('123456');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('home-community')).not.toBeNull());
    expect(signIn.mock.calls, 'phone and code as typed, twice').toEqual([
      ['13800000009', '123456'],
      ['13800000009', '123456'],
    ]);
  });

  it('switches to English', async () => {
    const backend = new FakeBackend();
    const { wrapper } = await mountApp(backend, '/login');
    mounted = wrapper;
    await wrapper.find('[data-testid="lang-en"]').trigger('click');
    await vi.waitFor(() => expect(byId('login-submit')?.textContent).toMatch(/Sign in/));
    expect((await backend.session()).locale).toBe('en');
    await wrapper.find('[data-testid="lang-zh"]').trigger('click');
    await vi.waitFor(() => expect(byId('login-submit')?.textContent, 'back to Chinese for the next tests').toContain('登录'));
  });

  it('says why the session ended', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    backend.endSession('refresh-reused');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'));
    await vi.waitFor(() => expect(byId('session-ended')?.textContent).toContain('重复使用'));
  });

  // That the core itself refuses reads without a session is tests/e2e/auth.rs (signing out,
  // then `notices()` is not-signed-in); here: the app never asks for them.
  it('is all a signed-out resident sees: no screen behind it reads anything', async () => {
    const backend = new FakeBackend();
    const notices = vi.spyOn(backend, 'notices');
    const { wrapper, router } = await mountApp(backend, '/notices');
    mounted = wrapper;
    expect(router.currentRoute.value.name, 'the notices link leads to sign-in').toBe('login');
    await vi.waitFor(() => expect(byId('login-submit')).not.toBeNull());
    expect(all('notice-item'), 'no notice is shown').toHaveLength(0);
    expect(notices, 'the app does not even ask for them').not.toHaveBeenCalled();
  });
});

describe('session ended before this start', () => {
  it('opens on sign-in with the reason from session().ended_because', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.endSession('session-expired');
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    expect(router.currentRoute.value.name).toBe('login');
    await vi.waitFor(() => expect(byId('session-ended')?.textContent).toContain('登录已失效，请重新登录'));
    expect(byId('home-community')).toBeNull();
  });
});

// The core's own read marks (idempotent, queued offline, sent once) are tests/e2e/outbox.rs
// against the real backend; here: what the app asks for and shows.
describe('notices', () => {
  it('marks unread rows and opening one reads it, once', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const marks = vi.spyOn(backend, 'markNoticeRead');
    const { wrapper, router } = await mountApp(backend, '/notices');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(0));
    const unread = all('notice-item').filter((el) => el.dataset.unread === 'true');
    expect(unread.length).toBeGreaterThan(0);
    const id = unread[0]!.dataset.noticeId!;
    unread[0]!.click();
    // The detail screen is a lazily loaded route: wait for it to arrive.
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/notices/${id}`));
    await vi.waitFor(() => expect(byId('notice-title')?.textContent).toBeTruthy());
    expect(marks.mock.calls, 'opening it asks for one read mark').toEqual([[id]]);
    await router.push('/notices');
    const row = () => document.querySelector<HTMLElement>(`[data-testid="notice-item"][data-notice-id="${id}"]`);
    await vi.waitFor(() => expect(row()?.dataset.unread).toBe('false'));

    // Opened again it is already read: no second mark is asked for.
    row()!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/notices/${id}`));
    await vi.waitFor(() => expect(byId('notice-title')?.textContent).toBeTruthy());
    expect(marks, 'a read notice is not marked again').toHaveBeenCalledTimes(1);
  });

  it('shows the offline banner with the pending count', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const marks = vi.spyOn(backend, 'markNoticeRead');
    const { wrapper, router } = await mountApp(backend, '/notices');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(0));
    expect(byId('offline-banner')).toBeNull();
    backend.setOnline(false);
    await vi.waitFor(() => expect(byId('offline-banner')?.textContent).toContain('网络不可用'));
    expect(byId('offline-banner')?.textContent, 'nothing waits yet').not.toContain('待发送');
    // The resident opens an unread notice offline: its mark waits, and the banner says so.
    const unread = all('notice-item').find((el) => el.dataset.unread === 'true')!;
    unread.click();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('notice'));
    await vi.waitFor(() => expect(marks.mock.calls, 'the mark is asked for offline too').toEqual([[unread.dataset.noticeId]]));
    backend.setOutbox(1); // the core keeps it in its outbox and says so
    await vi.waitFor(() => expect(byId('offline-banner')?.textContent).toContain('1 项操作待发送'));
    backend.setOnline(true);
    backend.setOutbox(0); // back online, the core has sent it
    await vi.waitFor(() => expect(byId('offline-banner')).toBeNull());
  });
});

describe('home', () => {
  it('switches household and the app follows', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('home-community')?.textContent).toContain('翠湖花园'));
    expect(byId('home-unit')?.textContent).toContain('1502');
    const first = (await backend.notices()).map((n) => n.id);
    await vi.waitFor(() => expect(all('home-notice').length).toBeGreaterThan(0));
    expect(ids('home-notice').every((id) => first.includes(id!)), "the first household's notices").toBe(true);
    byId('household-switch')!.click();
    await vi.waitFor(() => expect(all('household-option').some((el) => el.textContent?.includes('锦绣江南'))).toBe(true));
    const option = all('household-option').find((el) => el.textContent?.includes('锦绣江南'))!;
    option.click();
    await vi.waitFor(() => expect(byId('home-community')?.textContent).toContain('锦绣江南'));

    // The latest notices follow: only the second community's, on home and on the notices tab.
    const second = (await backend.notices()).map((n) => n.id);
    expect(second.some((id) => first.includes(id)), 'the stand-in keeps the communities apart').toBe(false);
    await vi.waitFor(() => expect(ids('home-notice').length).toBeGreaterThan(0));
    await vi.waitFor(() => expect(ids('home-notice').every((id) => second.includes(id!)), "home shows the second household's notices").toBe(true));
    await router.push('/notices');
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(0));
    expect([...ids('notice-item')].sort(), "the notices tab lists the second household's, all of them").toEqual([...second].sort());
  });
});

describe('invitations', () => {
  it('an invitation on Home is accepted, and the home the core answers is shown', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const [home] = MEMBERSHIPS;
    backend.invitationList.push({
      id: '0193a000-0000-7000-8000-0000000000a1',
      community: home!.community,
      unit: home!.unit,
      role: 'family',
      ends_on: null,
      invited_by: '王芳',
      phone_masked: '139****0055',
      state: 'pending',
      created_at: '2026-12-01T08:00:00Z',
    });
    // The core's answer (tests/e2e checks it): the home joined, shown.
    backend.script('acceptInvitation', () => {
      backend.invitationList.length = 0; // accepted: the backend lists it no more
      return { user: DEMO_USER, memberships: [{ ...home!, role: 'family' }], current_membership_id: home!.id };
    });
    const accept = vi.spyOn(backend, 'acceptInvitation');
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('invitation')?.textContent).toContain('王芳 邀请您加入'));
    byId('invitation-accept')!.click();
    await vi.waitFor(() => expect(accept.mock.calls).toEqual([['0193a000-0000-7000-8000-0000000000a1']]));
    await vi.waitFor(() => expect(byId('invitation'), 'an answered invitation leaves Home').toBeNull());
    expect(byId('home-community')?.textContent).toContain(home!.community.name);
  });
});

describe('me', () => {
  it('moves out of a home after asking, and shows what the core answers next', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const [first, second] = MEMBERSHIPS;
    // The core's answer (tests/e2e/moving_out.rs checks it gives it): the home ended, the other shown.
    backend.script('leaveHousehold', {
      user: DEMO_USER,
      memberships: [{ ...first!, state: 'ended' }, second!],
      current_membership_id: second!.id,
    });
    const leave = vi.spyOn(backend, 'leaveHousehold');
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('household-leave')).toHaveLength(2));
    all('household-leave')[0]!.click();
    await vi.waitFor(() => expect(byId('household-leave-confirm')).not.toBeNull());
    expect(document.body.textContent, 'the question names the home').toContain(`搬离 ${first!.community.name}`);
    expect(leave, 'nothing happens before the resident confirms').not.toHaveBeenCalled();
    byId('household-leave-confirm')!.click();
    await vi.waitFor(() => expect(all('household-leave')).toHaveLength(1));
    expect(leave.mock.calls).toEqual([[first!.id]]);
    expect(all('household-leave')[0]!.dataset.membershipId, 'the other home stays').toBe(second!.id);
  });

  it('turns desktop notifications off and on, kept by the backend', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('notifications-switch')).not.toBeNull());
    const toggle = byId('notifications-switch')!;
    expect(toggle.classList.contains('van-switch--on'), 'on by default').toBe(true);
    toggle.click();
    await vi.waitFor(() => expect(backend.notifications).toBe(false));
    await vi.waitFor(() => expect(byId('notifications-switch')!.classList.contains('van-switch--on')).toBe(false));
    byId('notifications-switch')!.click();
    await vi.waitFor(() => expect(backend.notifications).toBe(true));
  });
});
