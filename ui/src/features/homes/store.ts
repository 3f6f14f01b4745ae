// The resident's home requests and those waiting for them as a room's owner, as the core last
// synced them; a `home_request` data-changed event reloads them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EntityKind, HomeRequest, HomeRequestsView } from '../../generated/wire';
import type { Backend } from '../../backend';

export const useHomes = defineStore('homes', () => {
  const mine = ref<HomeRequest[]>([]);
  const toDecide = ref<HomeRequest[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['home_request', 'membership'];

  function apply(view: HomeRequestsView): void {
    mine.value = view.mine;
    toDecide.value = view.to_decide;
  }

  async function load(backend: Backend): Promise<void> {
    apply(await backend.homeRequests());
    loaded.value = true;
  }

  function clear(): void {
    mine.value = [];
    toDecide.value = [];
    loaded.value = false;
  }

  return { mine, toDecide, loaded, load, clear, kinds };
});
