import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import { fromLocalInput, presetWindow, toLocalInput } from '../src/features/passes/passes';
import { mountApp } from './helpers';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('pass windows in community time', () => {
  it('today ends at 23:59 Beijing and tomorrow is the whole next day', () => {
    const now = Date.parse('2026-11-22T02:00:00Z'); // 10:00 in Beijing
    expect(presetWindow('today', now)).toEqual({ from: '2026-11-22T02:00:00.000Z', until: '2026-11-22T15:59:00.000Z' });
    expect(presetWindow('afternoon', now)).toEqual({ from: '2026-11-22T05:00:00.000Z', until: '2026-11-22T10:00:00.000Z' });
    expect(presetWindow('tomorrow', now).from).toBe('2026-11-22T16:00:00.000Z');
  });

  it('datetime-local values are read as community time', () => {
    expect(toLocalInput('2026-11-22T01:00:00Z')).toBe('2026-11-22T09:00');
    expect(fromLocalInput('2026-11-22T09:00')).toBe('2026-11-22T01:00:00.000Z');
  });
});

describe('visitor passes', () => {
  it('invites a visitor, shows the QR and code, and revokes', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/visitors/new');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('visitor-name')).not.toBeNull());
    await wrapper.find('[data-testid="visitor-name"] input').setValue('刘洋');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('visitor-pass'));
    await vi.waitFor(() => expect(byId('pass-qr')?.getAttribute('src')).toMatch(/^data:image\/png;base64,/));
    expect(byId('pass-code')?.textContent?.replace(/\s/g, '')).toMatch(/^\d{8}$/);
    byId('pass-revoke')!.click();
    await vi.waitFor(() => expect(byId('pass-revoke-confirm')).not.toBeNull());
    byId('pass-revoke-confirm')!.click();
    await vi.waitFor(() => expect(byId('pass-state')?.dataset.state).toBe('revoked'));
  });

  it('a pass made offline waits to be issued', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.setOnline(false);
    // The core's answer for a pass made offline: kept, not yet issued (tests/e2e/passes.rs).
    backend.newPass = { state: 'pending', payload: null, short_code: null };
    const { wrapper, router } = await mountApp(backend, '/visitors/new');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('visitor-name')).not.toBeNull());
    await wrapper.find('[data-testid="visitor-name"] input').setValue('陈静');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('visitor-pass'));
    await vi.waitFor(() => expect(byId('pass-state')?.dataset.state).toBe('pending'));
    expect(byId('pass-qr')).toBeNull();
    expect(document.body.textContent).toContain('网络恢复后将自动签发');
  });
});

describe('pass entries and sharing', () => {
  it('lists the entries gates reported, newest first, and copies the pass as text', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/visitors/new');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('visitor-name')).not.toBeNull());
    await wrapper.find('[data-testid="visitor-name"] input').setValue('刘洋');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('visitor-pass'));
    await vi.waitFor(() => expect(byId('pass-entries')?.textContent).toContain('暂无通行记录'));

    const id = String(router.currentRoute.value.params.id);
    backend.recordEntry(id, '东门人行道闸', '2026-11-22T01:05:00Z');
    backend.recordEntry(id, '南门车行道闸', '2026-11-22T09:30:00Z');
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="pass-entry"]')).toHaveLength(2));
    const rows = [...document.querySelectorAll('[data-testid="pass-entry"]')].map((r) => r.textContent ?? '');
    expect(rows[0], 'the latest entry is on top').toContain('南门车行道闸');
    expect(rows[1]).toContain('东门人行道闸');
    expect(rows[1], 'entry times read in community time').toContain('09:05');

    byId('pass-share')!.click();
    await vi.waitFor(() => expect(byId('share-copy-text')).not.toBeNull());
    byId('share-copy-text')!.click();
    await vi.waitFor(() => expect(backend.clipboard).toContain('刘洋'));
    const code = byId('pass-code')!.textContent!.replace(/\s/g, '');
    expect(backend.clipboard, 'the visitor gets the code to tell the guard').toContain(code);
  });
});

describe('recurring passes', () => {
  it('describe their days and hours', async () => {
    const { scheduleText } = await import('../src/features/passes/passes');
    const line = scheduleText(
      { weekdays: [5, 1, 3], from_minute: 480, until_minute: 720 },
      ['一', '二', '三', '四', '五', '六', '日'],
      '、',
      (days, from, to) => `每周${days} ${from}–${to}`,
    );
    expect(line).toBe('每周一、三、五 08:00–12:00');
  });

  it('are sent with their schedule', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/visitors/new');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('visitor-name')).not.toBeNull());
    await wrapper.find('[data-testid="visitor-name"] input').setValue('王阿姨');
    byId('visitor-preset-recurring')!.click();
    await vi.waitFor(() => expect(byId('visitor-day-3')?.classList.contains('on'), 'Monday, Wednesday, Friday by default').toBe(true));
    byId('visitor-day-3')!.click(); // Wednesday off
    await vi.waitFor(() => expect(byId('visitor-day-3')?.classList.contains('on')).toBe(false));
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('visitor-pass'));
    const [pass] = await backend.passes();
    expect(pass?.schedule).toEqual({ weekdays: [1, 5], from_minute: 480, until_minute: 720 });
    expect(Date.parse(pass!.valid_until) - Date.parse(pass!.valid_from)).toBeGreaterThan(20 * 24 * 3600_000);
    await vi.waitFor(() => expect(document.body.textContent).toContain('每周一、五 08:00–12:00'));
  });
});
