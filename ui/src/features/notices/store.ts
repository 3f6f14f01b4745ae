// The current household's notices, from the core's cache (works offline).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Notice, NoticeId, EntityKind } from '../../generated/wire';
import type { Backend } from '../../backend';
import { sortNotices } from './notices';

export const useNotices = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['notice', 'membership'];

  const sorted = computed(() => sortNotices(items.value));
  const unreadCount = computed(() => items.value.filter((n) => !n.read_at).length);

  async function load(backend: Backend): Promise<void> {
    items.value = await backend.notices();
    loaded.value = true;
  }

  function replace(notice: Notice): void {
    const i = items.value.findIndex((n) => n.id === notice.id);
    if (i >= 0) items.value.splice(i, 1, notice);
  }

  async function open(backend: Backend, id: NoticeId): Promise<Notice> {
    let notice = await backend.notice(id);
    if (!notice.read_at) notice = await backend.markNoticeRead(id);
    replace(notice);
    return notice;
  }

  function clear(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, sorted, unreadCount, load, open, clear, kinds };
});
