// Mounts the real App (router, Pinia, i18n, Vant) over a FakeBackend.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import Vant from 'vant';
import App from '../src/App.vue';
import { backendKey } from '../src/backend';
import { FakeBackend } from '../src/backend/fake';
import { i18n } from '../src/i18n';
import { createAppRouter } from '../src/router';
import { useSession } from '../src/stores/session';

export async function mountApp(backend: FakeBackend, path: string): Promise<{ wrapper: VueWrapper; router: ReturnType<typeof createAppRouter> }> {
  const pinia = createPinia();
  setActivePinia(pinia);
  await useSession(pinia).load(backend);
  const router = createAppRouter();
  await router.push(path);
  await router.isReady();
  const wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [pinia, i18n, Vant, router], provide: { [backendKey as symbol]: backend } },
  });
  await settle();
  return { wrapper, router };
}

/** Lets lazy routes, promises and renders finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
