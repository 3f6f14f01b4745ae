// The current household's notices, from the core's cache (works offline), and a search over
// them: the core finds, orders and marks the hits; a reload (a change synced) searches again.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Notice, NoticeHit, NoticeId, EntityKind } from '../../generated/wire';
import type { Backend } from '../../backend';
import { sortNotices } from './notices';

export const useNotices = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  const loaded = ref(false);
  /** What this store shows: App.vue reloads it, once loaded, when a change names one of them. */
  const kinds: readonly EntityKind[] = ['notice', 'membership'];

  const sorted = computed(() => sortNotices(items.value));
  const unreadCount = computed(() => items.value.filter((n) => !n.read_at).length);

  /** The query typed, and the core's hits for it (null while no query is typed). */
  const query = ref('');
  const hits = ref<NoticeHit[] | null>(null);
  /** Each search's number: an answer to an older query than the latest is dropped. */
  let searches = 0;

  async function load(backend: Backend): Promise<void> {
    items.value = await backend.notices();
    loaded.value = true;
    if (query.value.trim()) await search(backend, query.value);
  }

  async function search(backend: Backend, text: string): Promise<void> {
    query.value = text;
    const asked = ++searches;
    if (!text.trim()) {
      hits.value = null;
      return;
    }
    const found = await backend.searchNotices(text);
    if (asked === searches) hits.value = found;
  }

  function replace(notice: Notice): void {
    const i = items.value.findIndex((n) => n.id === notice.id);
    if (i >= 0) items.value.splice(i, 1, notice);
    for (const hit of hits.value ?? []) if (hit.notice.id === notice.id) hit.notice = notice;
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
    query.value = '';
    hits.value = null;
    searches += 1;
  }

  return { items, loaded, sorted, unreadCount, query, hits, load, search, open, clear, kinds };
});
