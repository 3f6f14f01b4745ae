// The household's tickets (queued ones with photo progress, then the backend's); a `ticket`
// data-changed event reloads them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { TicketView, EntityKind } from '../../generated/wire';
import type { Backend } from '../../backend';

export const useTickets = defineStore('tickets', () => {
  const items = ref<TicketView[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['ticket', 'membership'];

  async function load(backend: Backend): Promise<void> {
    items.value = await backend.tickets();
    loaded.value = true;
  }

  function clear(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, load, clear, kinds };
});
