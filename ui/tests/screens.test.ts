import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend, DEMO_PHONE } from '../src/backend/fake';
import { mountApp, settle } from './helpers';
import type { VueWrapper } from '@vue/test-utils';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));

describe('sign-in screen', () => {
  it('is Chinese by default and explains a wrong password by its code', async () => {
    const backend = new FakeBackend();
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    expect(byId('login-submit')?.textContent).toContain('登录');
    // The WebDriver tests type into the marked element itself: it must be the <input>.
    expect(byId('login-phone')?.tagName).toBe('INPUT');
    expect(byId('login-password')?.tagName).toBe('INPUT');
    await wrapper.find('input[data-testid="login-phone"]').setValue(DEMO_PHONE);
    await wrapper.find('input[data-testid="login-password"]').setValue('wrong');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(byId('error-message')?.textContent).toContain('手机号或密码错误');
  });

  it('switches to English', async () => {
    const backend = new FakeBackend();
    const { wrapper } = await mountApp(backend, '/login');
    mounted = wrapper;
    await wrapper.find('[data-testid="lang-en"]').trigger('click');
    await settle();
    expect(byId('login-submit')?.textContent).toMatch(/Sign in/);
    expect((await backend.session()).locale).toBe('en');
    await wrapper.find('[data-testid="lang-zh"]').trigger('click');
    await settle();
  });

  it('says why the session ended', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    backend.endSession('refresh-reused');
    await settle();
    expect(router.currentRoute.value.name).toBe('login');
    expect(byId('session-ended')?.textContent).toContain('重复使用');
  });
});

describe('session ended before this start', () => {
  it('opens on sign-in with the reason from session().ended_because', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.endSession('session-expired');
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    expect(router.currentRoute.value.name).toBe('login');
    expect(byId('session-ended')?.textContent).toContain('登录已失效，请重新登录');
    expect(byId('home-community')).toBeNull();
  });
});

describe('notices', () => {
  it('marks unread rows and opening one reads it', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/notices');
    mounted = wrapper;
    const unread = all('notice-item').filter((el) => el.dataset.unread === 'true');
    expect(unread.length).toBeGreaterThan(0);
    const id = unread[0]!.dataset.noticeId!;
    unread[0]!.click();
    // The detail screen is a lazily loaded route: wait for it to arrive.
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/notices/${id}`));
    await vi.waitFor(() => expect(byId('notice-title')?.textContent).toBeTruthy());
    await router.push('/notices');
    await settle();
    const row = document.querySelector<HTMLElement>(`[data-testid="notice-item"][data-notice-id="${id}"]`);
    expect(row?.dataset.unread).toBe('false');
  });

  it('shows the offline banner with the pending count', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    expect(byId('offline-banner')).toBeNull();
    backend.setOnline(false);
    await settle();
    expect(byId('offline-banner')?.textContent).toContain('网络不可用');
    const unread = (await backend.notices()).find((n) => n.read_at === null)!;
    await backend.markNoticeRead(unread.id);
    await settle();
    expect(byId('offline-banner')?.textContent).toContain('1 项操作待发送');
    backend.setOnline(true);
    await settle();
    expect(byId('offline-banner')).toBeNull();
  });
});

describe('home', () => {
  it('switches household and the app follows', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    expect(byId('home-community')?.textContent).toContain('翠湖花园');
    expect(byId('home-unit')?.textContent).toContain('1502');
    byId('household-switch')!.click();
    await settle();
    const option = all('household-option').find((el) => el.textContent?.includes('锦绣江南'))!;
    option.click();
    await settle();
    expect(byId('home-community')?.textContent).toContain('锦绣江南');
  });
});

describe('me', () => {
  it('turns desktop notifications off and on, kept by the backend', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('notifications-switch')).not.toBeNull());
    const toggle = byId('notifications-switch')!;
    expect(toggle.classList.contains('van-switch--on'), 'on by default').toBe(true);
    toggle.click();
    await settle();
    expect(backend.notifications).toBe(false);
    expect(byId('notifications-switch')!.classList.contains('van-switch--on')).toBe(false);
    byId('notifications-switch')!.click();
    await settle();
    expect(backend.notifications).toBe(true);
  });
});
