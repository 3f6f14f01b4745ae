// 加入小区: the first screen of an app with no backend. The fake decides nothing: what a link
// leads to, a pin that does not match, the link in a picture, are scripted as the core answers
// them (tests/e2e/join.rs checks that it does).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from '../src/backend/fake';
import { MEMBERSHIPS } from '../src/backend/fakeData';
import { BackendError } from '../src/backend';
import type { JoinPreview } from '../src/generated/wire';
import { mountApp } from './helpers';
import type { VueWrapper } from '@vue/test-utils';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const LINK = `https://wuye.example.cn/join/${MEMBERSHIPS[0]!.community.id}?name=%E7%BF%A0&pin=sha256/${'A'.repeat(43)}`;
const PREVIEW: JoinPreview = { link: LINK, backend_url: 'https://wuye.example.cn', community: MEMBERSHIPS[0]!.community, pinned: true };

describe('join', () => {
  it('is the first screen without a backend, shows the community and goes on to sign-in', async () => {
    const backend = new FakeBackend({ joined: false });
    backend.fail('previewJoin', new BackendError('pin-mismatch', 'the pin does not match'));
    backend.script('previewJoin', PREVIEW);
    backend.script('join', PREVIEW);
    const join = vi.spyOn(backend, 'join');
    const { wrapper, router } = await mountApp(backend, '/home');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('join-title')?.textContent).toBe('加入小区'));
    expect(router.currentRoute.value.name, 'no other screen before joining').toBe('join');

    await wrapper.find('[data-testid="join-preview"]').trigger('click');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('请粘贴加入链接'));
    await wrapper.find('textarea[data-testid="join-link"]').setValue(LINK);
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('error-message')?.textContent, 'a wrong pin is explained by its code').toContain('指纹不符'));
    expect(byId('join-found'), 'nothing to join').toBeNull();
    expect((byId('join-link') as HTMLTextAreaElement).value, 'the link typed is kept for a second look').toBe(LINK);

    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('join-community-name')?.textContent).toBe(MEMBERSHIPS[0]!.community.name));
    expect(byId('join-found')?.textContent).toContain(MEMBERSHIPS[0]!.community.property_company);
    expect(byId('join-pinned'), 'the pin was checked').not.toBeNull();
    await wrapper.find('[data-testid="join-submit"]').trigger('click');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'));
    expect(join.mock.calls, 'the link the core normalised is the one joined').toEqual([[LINK]]);
    await vi.waitFor(() => expect(byId('login-community')?.textContent).toContain(MEMBERSHIPS[0]!.community.name));
  });

  it('reads the link from a picked QR picture, and says when the picture has none', async () => {
    const backend = new FakeBackend({ joined: false });
    backend.fail('readJoinQr', new BackendError('qr-not-found', 'no QR code'));
    backend.script('readJoinQr', LINK);
    backend.script('previewJoin', PREVIEW);
    const read = vi.spyOn(backend, 'readJoinQr');
    const { wrapper } = await mountApp(backend, '/join');
    mounted = wrapper;
    await wrapper.find('[data-testid="join-mode-picture"]').trigger('click');
    const input = wrapper.find('input[data-testid="join-picture-input"]');
    const pick = async (bytes: string) => {
      const file = new File([bytes], 'qr.png', { type: 'image/png' });
      Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
      await input.trigger('change');
    };
    await pick('blank');
    await vi.waitFor(() => expect(byId('error-message')?.textContent).toContain('没有找到可识别的二维码'));
    await pick('qr');
    await vi.waitFor(() => expect(byId('join-community-name')?.textContent).toBe(MEMBERSHIPS[0]!.community.name));
    expect(read.mock.calls.map(([data]) => atob(data)), 'the picked bytes go to the core').toEqual(['blank', 'qr']);
    expect(byId('error-message'), 'the earlier error is gone').toBeNull();
  });

  it('a typed address lists its communities to choose from', async () => {
    const backend = new FakeBackend({ joined: false });
    backend.script('previewAddress', [PREVIEW]);
    const { wrapper } = await mountApp(backend, '/join');
    mounted = wrapper;
    await wrapper.find('[data-testid="join-mode-address"]').trigger('click');
    await wrapper.find('input[data-testid="join-address"]').setValue('https://wuye.example.cn');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => expect(byId('join-choice')?.textContent).toContain(MEMBERSHIPS[0]!.community.name));
    await wrapper.find('[data-testid="join-choice"]').trigger('click');
    await vi.waitFor(() => expect(byId('join-submit')).not.toBeNull());
  });

  it('Me names the community and the server the core reports', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/me');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('me-community')?.textContent).toContain(MEMBERSHIPS[0]!.community.name));
    expect(byId('me-server')?.textContent).toContain('https://127.0.0.1:8443');
  });

  it('a signed-out resident switches community from the sign-in screen when the core allows it', async () => {
    const backend = new FakeBackend();
    const leave = vi.spyOn(backend, 'leaveBackend');
    const { wrapper, router } = await mountApp(backend, '/login');
    mounted = wrapper;
    await vi.waitFor(() => expect(byId('login-switch-community')).not.toBeNull());
    await wrapper.find('[data-testid="login-switch-community"]').trigger('click');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('join'));
    expect(leave).toHaveBeenCalledTimes(1);

    mounted.unmount();
    const fixed = new FakeBackend();
    fixed.backendView = { ...fixed.backendView!, community_name: null, can_switch: false };
    const again = await mountApp(fixed, '/login');
    mounted = again.wrapper;
    await vi.waitFor(() => expect(byId('login-submit')).not.toBeNull());
    expect(byId('login-switch-community'), 'a fixed backend offers no switch').toBeNull();
  });
});
