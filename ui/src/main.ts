// Boot: pick the backend, read the session (signed in? which language?), then mount.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
// Only the Vant components the screens use, with their styles (before ours, which override).
import { vant } from './vant';
import './styles.css';
import App from './App.vue';
import { backendKey, createBackend } from './backend';
import { i18n } from './i18n';
import { createAppRouter } from './router';
import { useSession } from './features/session/store';

async function boot(): Promise<void> {
  const backend = await createBackend();
  const app = createApp(App);
  const pinia = createPinia();
  app.use(pinia);
  app.use(i18n);
  app.use(vant);
  app.provide(backendKey, backend);
  const session = useSession(pinia);
  try {
    await session.load(backend);
  } catch (err) {
    // Without a session the sign-in screen shows; it explains errors itself.
    console.error('session could not be read', err);
  }
  const router = createAppRouter();
  app.use(router);
  await router.isReady();
  app.mount('#app');
}

void boot();
