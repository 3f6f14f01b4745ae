// The current household's visitor passes (issued ones from the cache, queued ones from the
// outbox), grouped the way residents look for them.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { NewPass, PassView, EntityKind } from '../../generated/wire';
import type { Backend } from '../../backend';

export const usePasses = defineStore('passes', () => {
  const items = ref<PassView[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['pass', 'membership'];

  const current = computed(() => items.value.filter((p) => ['active', 'upcoming', 'pending', 'rejected'].includes(p.state)));
  const past = computed(() => items.value.filter((p) => p.state === 'expired' || p.state === 'revoked'));

  async function load(backend: Backend): Promise<void> {
    items.value = await backend.passes();
    loaded.value = true;
  }

  async function create(backend: Backend, input: NewPass): Promise<PassView> {
    const view = await backend.createPass(input);
    await load(backend);
    return view;
  }

  async function revoke(backend: Backend, id: string): Promise<PassView> {
    const view = await backend.revokePass(id);
    await load(backend);
    return view;
  }

  function clear(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, current, past, load, create, revoke, clear, kinds };
});
