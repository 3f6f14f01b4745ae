// Picking photos for a report: the picker offers HEIC/HEIF (the iPhone default) and the other
// formats the core prepares, and a picture the core cannot read shows its own reason with the
// format named (the core's `subject`), in the resident's language, beside the other photos.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import { BackendError } from '../src/backend';
import { mountApp } from './helpers';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

function pick(input: HTMLInputElement, files: File[]): void {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  input.dispatchEvent(new Event('change'));
}

describe('the report photo picker', () => {
  it('offers HEIC, HEIF, AVIF and GIF besides JPEG, PNG and WebP', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper } = await mountApp(backend, '/tickets/new?kind=repair');
    mounted = wrapper;
    const input = await vi.waitFor(() => {
      const found = document.querySelector<HTMLInputElement>('[data-testid="ticket-photo-input"]');
      if (!found) throw new Error('no photo input on the report screen');
      return found;
    });
    const accepted = input.accept.split(',');
    for (const wanted of ['image/heic', 'image/heif', '.heic', '.heif', 'image/avif', 'image/gif', 'image/jpeg', 'image/png', 'image/webp']) {
      expect(accepted, `the picker offers ${wanted}`).toContain(wanted);
    }
  });

  it('names the format of a picture the core does not read, and keeps the good photo', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.fail('preparePhoto', new BackendError('photo-format-unsupported', 'TIFF pictures cannot be used', 'TIFF'));
    const { wrapper } = await mountApp(backend, '/tickets/new?kind=repair');
    mounted = wrapper;
    const input = await vi.waitFor(() => {
      const found = document.querySelector<HTMLInputElement>('[data-testid="ticket-photo-input"]');
      if (!found) throw new Error('no photo input on the report screen');
      return found;
    });
    pick(input, [new File([new Uint8Array([0x49, 0x49, 0x2a, 0])], 'scan.tif', { type: 'image/tiff' })]);
    const refused = await vi.waitFor(() => {
      const found = document.querySelector<HTMLElement>('[data-testid="ticket-photo"][data-state="error"]');
      if (!found) throw new Error('the refused photo shows no reason');
      return found;
    });
    expect(refused.textContent, 'the reason names the format, in Chinese').toContain('不支持 TIFF 格式');
    expect(refused.textContent).not.toContain('{subject}');

    pick(input, [new File([new Uint8Array([0xff, 0xd8, 0xff])], 'IMG_0001.HEIC', { type: 'image/heic' })]);
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="ticket-photo"][data-state="ready"]'), 'the HEIC photo is prepared').toHaveLength(1));
    expect(document.querySelectorAll('[data-testid="ticket-photo"][data-state="error"]'), 'the refusal stays with its own photo').toHaveLength(1);
  });
});
