// Mounts the real App (router, Pinia, i18n, the Vant components of src/vant.ts) over a FakeBackend, the in-memory stand-in
// for the core. Tests wait for what they check (vi.waitFor on the element or the call), never
// for a guessed number of ticks.
import { mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { vant } from '../src/vant';
import App from '../src/App.vue';
import { backendKey } from '../src/backend';
import { FakeBackend } from '../src/backend/fake';
import { i18n } from '../src/i18n';
import { createAppRouter } from '../src/router';
import { useSession } from '../src/features/session/store';

/** Mounts the app at `path`; resolves once the app listens to the backend's events, so a
 *  test's own event (going offline, a session ended) cannot be missed. */
export async function mountApp(backend: FakeBackend, path: string): Promise<{ wrapper: VueWrapper; router: ReturnType<typeof createAppRouter> }> {
  const pinia = createPinia();
  setActivePinia(pinia);
  await useSession(pinia).load(backend);
  const router = createAppRouter();
  await router.push(path);
  await router.isReady();
  const subscribe = backend.onEvent.bind(backend);
  const listening = new Promise<void>((resolve) => {
    backend.onEvent = async (listener) => {
      const unsubscribe = await subscribe(listener);
      resolve();
      return unsubscribe;
    };
  });
  const wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [pinia, i18n, vant, router], provide: { [backendKey as symbol]: backend } },
  });
  await listening;
  return { wrapper, router };
}
