// The household's tickets (queued ones with photo progress, then the backend's); a `ticket`
// data-changed event reloads them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { TicketView } from '../../generated/wire';
import type { Backend } from '../../backend';

export const useTickets = defineStore('tickets', () => {
  const items = ref<TicketView[]>([]);
  const loaded = ref(false);

  async function load(backend: Backend): Promise<void> {
    items.value = await backend.tickets();
    loaded.value = true;
  }

  function clear(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, load, clear };
});
