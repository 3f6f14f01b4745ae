// 长辈模式, the system theme and keyboard use (issue 13, parts 2 and 3) over the fake backend:
// the one-time offer on Home, the switch on 我的 kept by the core, the simple home with its
// five large actions and the service phone, the classes on <html> that switch the CSS
// variables, and Enter/Space on Vant's <div> controls.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from '../src/backend/fake';
import { MEMBERSHIPS } from '../src/backend/fakeData';
import { mountApp } from './helpers';
import { themeOverride } from '../src/shared/theme';
import { activates, submits } from '../src/shared/keyboard';
import type { VueWrapper } from '@vue/test-utils';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
  document.documentElement.className = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const root = () => document.documentElement.classList;

describe('长辈模式', () => {
  it('is offered once on Home; turning it on simplifies home to five large actions with the service phone', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('elderly-offer'), 'a device never asked is offered it').not.toBeNull());
    expect(byId('elderly-home'), 'the ordinary home until it is on').toBeNull();
    expect(root().contains('elderly')).toBe(false);
    byId('elderly-offer-yes')!.click();
    await vi.waitFor(() => expect(backend.elderly, 'the core keeps it').toBe(true));
    expect(backend.elderlyOffered, 'and the offer is answered for good').toBe(true);
    await vi.waitFor(() => expect(byId('elderly-home')).not.toBeNull());
    expect(byId('elderly-offer'), 'never asked again').toBeNull();
    expect(root().contains('elderly'), 'one class on the root switches the sizes').toBe(true);
    const labels = Array.from(byId('elderly-home')!.querySelectorAll('button, a')).map((el) => el.textContent?.trim());
    const phone = MEMBERSHIPS[0]!.community.service_phone;
    expect(labels).toEqual(['报修', '缴费', '访客', '公告', `打电话给物业${phone}`]);
    const call = byId('big-call') as HTMLAnchorElement;
    expect(call.getAttribute('href'), 'the tel: link dials the digits of the community’s number').toBe(`tel:${phone.replace(/[^\d+]/g, '')}`);
    expect(byId('big-call-number')?.textContent, 'the number is shown as text too').toBe(phone);
    byId('big-bills')!.click();
    await vi.waitFor(() => expect(wrapper.vm.$route.path).toBe('/bills'));
  });

  it('declining the offer keeps the ordinary home and never asks again', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('elderly-offer-no')).not.toBeNull());
    byId('elderly-offer-no')!.click();
    await vi.waitFor(() => expect(byId('elderly-offer')).toBeNull());
    expect(backend.elderlyOffered).toBe(true);
    expect(backend.elderly).toBe(false);
    expect(byId('service-repair'), 'the service grid stays').not.toBeNull();
  });

  it('is switched on 我的 and applied at start from what the core kept', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.elderly = true;
    backend.elderlyOffered = true;
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('elderly-switch')).not.toBeNull());
    expect(root().contains('elderly'), 'on from the first screen after a restart').toBe(true);
    const toggle = byId('elderly-switch')!;
    expect(toggle.getAttribute('role')).toBe('switch');
    expect(toggle.getAttribute('aria-label'), 'a screen reader names it').toBe('长辈模式');
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    toggle.click();
    await vi.waitFor(() => expect(backend.elderly).toBe(false));
    await vi.waitFor(() => expect(root().contains('elderly')).toBe(false));
  });
});

describe('theme', () => {
  it('takes ?theme= only as light or dark', () => {
    expect(themeOverride('?theme=dark')).toBe('dark');
    expect(themeOverride('?theme=light')).toBe('light');
    expect(themeOverride('?theme=blue')).toBeNull();
    expect(themeOverride('')).toBeNull();
  });

  it('follows the system’s dark preference on <html> and in Vant', async () => {
    const listeners: ((e: MediaQueryListEvent) => void)[] = [];
    const query = { matches: true, addEventListener: (_: string, l: (e: MediaQueryListEvent) => void) => listeners.push(l), removeEventListener: () => {} };
    const spy = vi.spyOn(window, 'matchMedia').mockReturnValue(query as unknown as MediaQueryList);
    try {
      const backend = new FakeBackend({ signedIn: true });
      const { wrapper } = await mountApp(backend, '/home');
      mounted = wrapper;
      await vi.waitFor(() => expect(root().contains('theme-dark')).toBe(true));
      expect(root().contains('van-theme-dark'), 'Vant’s ConfigProvider follows too').toBe(true);
      for (const l of listeners) l({ matches: false } as MediaQueryListEvent);
      await vi.waitFor(() => expect(root().contains('theme-dark'), 'back to light with the system').toBe(false));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('keyboard', () => {
  const key = (k: string, target: EventTarget, extra: Partial<KeyboardEvent> = {}) =>
    ({ key: k, target, altKey: false, ctrlKey: false, metaKey: false, repeat: false, ...extra }) as KeyboardEvent;

  it('Enter and Space act on Vant’s role=button divs, not on native controls', () => {
    const cell = document.createElement('div');
    cell.setAttribute('role', 'button');
    const button = document.createElement('button');
    const plain = document.createElement('div');
    expect(activates(key('Enter', cell))).toBe(true);
    expect(activates(key(' ', cell))).toBe(true);
    expect(activates(key('a', cell))).toBe(false);
    expect(activates(key('Enter', cell, { ctrlKey: true }))).toBe(false);
    expect(activates(key('Enter', button)), 'a button clicks itself').toBe(false);
    expect(activates(key('Enter', plain)), 'no role, no click').toBe(false);
    cell.setAttribute('aria-disabled', 'true');
    expect(activates(key('Enter', cell))).toBe(false);
  });

  it('Enter in a form’s text field submits it, but not while an input method composes', () => {
    const form = document.createElement('form');
    const input = document.createElement('input');
    const area = document.createElement('textarea');
    form.append(input, area);
    const enter = (target: EventTarget, extra: Partial<KeyboardEvent> = {}) =>
      ({ key: 'Enter', target, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, isComposing: false, keyCode: 13, ...extra }) as KeyboardEvent;
    expect(submits(enter(input))).toBe(form);
    expect(submits(enter(input, { isComposing: true })), 'Enter commits the 拼音 first').toBeNull();
    expect(submits(enter(input, { keyCode: 229 }))).toBeNull();
    expect(submits(enter(area)), 'a new line in a text area').toBeNull();
    expect(submits(enter(document.createElement('input'))), 'no form, nothing to submit').toBeNull();
  });

  it('signs in with Enter in the password field (Vant’s field alone would swallow it)', async () => {
    const backend = new FakeBackend();
    const signIn = vi.spyOn(backend, 'signIn');
    const { wrapper } = await mountApp(backend, '/login');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('login-mode-password')).not.toBeNull());
    byId('login-mode-password')!.click();
    await vi.waitFor(() => expect(byId('login-password')).not.toBeNull());
    await wrapper.find('input[data-testid="login-phone"]').setValue('13800000001');
    await wrapper.find('input[data-testid="login-password"]').setValue('demo1234');
    const password = byId('login-password')!;
    password.focus();
    password.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', keyCode: 13, bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(signIn).toHaveBeenCalledWith('13800000001', 'demo1234'));
  });

  it('opens a service from the grid with Enter', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.elderlyOffered = true;
    const { wrapper } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('service-bills')).not.toBeNull());
    const tile = byId('service-bills')!.querySelector<HTMLElement>('[role="button"]')!;
    expect(tile?.getAttribute('tabindex'), 'Tab reaches it').toBe('0');
    tile.focus();
    tile.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await vi.waitFor(() => expect(wrapper.vm.$route.path).toBe('/bills'));
  });
});
