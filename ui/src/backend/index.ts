// The UI's only door to the app: a `Backend`. In the desktop app it is the Tauri shell over
// linli-core (tauri.ts, the one file that imports @tauri-apps/api); in unit tests and a plain
// browser it is an in-memory fake (fake.ts) over demo content (fakeData.ts) that stores and
// returns data and decides nothing the core decides. Errors are `BackendError`s
// whose `code` is a linli-wire ErrorCode; the UI branches on the code only.
import type { InjectionKey } from 'vue';
import { inject } from 'vue';
import type { Backend } from './contract';
// In the main bundle, not a chunk of its own: the app's first screen waits for it.
import { tauriBackend } from './tauri';

export { type Backend, BackendError, asBackendError } from './contract';

export const backendKey: InjectionKey<Backend> = Symbol('backend');

export function useBackend(): Backend {
  const backend = inject(backendKey);
  if (!backend) throw new Error('no Backend provided');
  return backend;
}

/** True inside the Tauri shell. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** The Tauri backend in the app, the fake in a plain browser (`npm run dev`). */
export async function createBackend(): Promise<Backend> {
  if (inTauri()) return tauriBackend();
  const { FakeBackend } = await import('./fake');
  // Browser preview hints: `?demo=signed-in` starts signed in, `?demo=offline` also offline,
  // `?demo=elderly` signed in with 长辈模式 on (for looking at the screens without typing; the
  // desktop app never takes this path).
  const demo = new URLSearchParams(window.location.search).get('demo');
  const fake = new FakeBackend({ signedIn: demo === 'signed-in' || demo === 'offline' || demo === 'elderly' });
  if (demo === 'elderly') {
    fake.elderly = true;
    fake.elderlyOffered = true;
  }
  if (demo === 'offline') {
    fake.setOnline(false);
    // The core's answer for a pass made offline: kept, issued once the backend is back.
    fake.newPass = { state: 'pending', payload: null, short_code: null };
  }
  return fake;
}
