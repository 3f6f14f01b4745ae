// Notices: the search field (the core finds, orders and marks; the fake answers what a test
// scripts) and whom a targeted notice concerns (the backend's `affects_me`, shown as is).
// The search itself is crates/core/src/notices/search.rs; affects_me is the server's
// tests/api/notice_targets.rs; here: what the app asks for and shows.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { FakeBackend } from '../src/backend/fake';
import type { Notice, NoticeHit } from '../src/generated/wire';
import { mountApp } from './helpers';

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  document.body.innerHTML = '';
});

const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
const row = (id: string) => document.querySelector<HTMLElement>(`[data-testid="notice-item"][data-notice-id="${id}"]`);

function hitOf(notice: Notice): NoticeHit {
  return {
    notice,
    title: [
      { text: '关于3栋、5栋临时', hit: false },
      { text: '停水', hit: true },
      { text: '的通知<b>!</b>', hit: false },
    ],
    snippet: [
      { text: '…因二次供水泵房检修，明日 9:00–15:00 ', hit: false },
      { text: '停水', hit: true },
      { text: '…', hit: false },
    ],
  };
}

async function typeQuery(wrapper: VueWrapper, text: string): Promise<void> {
  await wrapper.find('[data-testid="notice-search"] input').setValue(text);
}

describe('notice search', () => {
  it('shows the core’s hits with their matches marked, and the list again when cleared', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const water = backend.items.find((n) => n.title.includes('停水'))!;
    backend.script('searchNotices', [hitOf(water)]);
    const search = vi.spyOn(backend, 'searchNotices');
    const { wrapper } = await mountApp(backend, '/notices');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(1));
    await typeQuery(wrapper, '停水');
    await vi.waitFor(() => expect(all('notice-hit')).toHaveLength(1));
    expect(search.mock.calls, 'the typed query goes to the core as is').toEqual([['停水']]);
    expect(all('notice-item'), 'the results stand in for the list').toHaveLength(0);
    const marks = all('search-mark').map((m) => m.textContent);
    expect(marks, 'title and snippet each mark their match').toEqual(['停水', '停水']);
    const title = byId('notice-hit-title')!;
    expect(title.textContent).toBe('关于3栋、5栋临时停水的通知<b>!</b>');
    expect(title.querySelector('b'), 'a notice’s text is never markup').toBeNull();
    expect(byId('notice-hit-snippet')?.textContent).toContain('二次供水');

    await typeQuery(wrapper, '');
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(1));
    expect(search, 'an empty query asks the core nothing').toHaveBeenCalledTimes(1);
  });

  it('says when nothing matches, in the app’s words', async () => {
    const backend = new FakeBackend({ signedIn: true });
    backend.script('searchNotices', []);
    const { wrapper } = await mountApp(backend, '/notices');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(0));
    await typeQuery(wrapper, '游泳池');
    await vi.waitFor(() => expect(byId('notice-no-results')?.textContent).toContain('没有找到与“游泳池”有关的公告'));
  });

  it('keeps only the answer to the latest query', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const water = backend.items.find((n) => n.title.includes('停水'))!;
    let answerFirst: (hits: NoticeHit[]) => void = () => {};
    const first = new Promise<NoticeHit[]>((resolve) => (answerFirst = resolve));
    vi.spyOn(backend, 'searchNotices').mockImplementationOnce(() => first).mockResolvedValueOnce([]);
    const { wrapper } = await mountApp(backend, '/notices');
    mounted = wrapper;
    await vi.waitFor(() => expect(all('notice-item').length).toBeGreaterThan(0));
    await typeQuery(wrapper, '停');
    await typeQuery(wrapper, '停车');
    await vi.waitFor(() => expect(byId('notice-no-results')).not.toBeNull());
    answerFirst([hitOf(water)]);
    await first;
    await wrapper.vm.$nextTick();
    expect(all('notice-hit'), 'a late answer to 停 does not replace 停车’s').toHaveLength(0);
  });
});

describe('targeted notices', () => {
  it('say on row and detail whether they concern the resident’s building and when service is back', async () => {
    const backend = new FakeBackend({ signedIn: true });
    const { wrapper, router } = await mountApp(backend, '/notices');
    mounted = wrapper;
    const water = backend.items.find((n) => n.title === '关于3栋、5栋临时停水的通知')!;
    const power = backend.items.find((n) => n.title === '配电房检修停电通知')!;
    const fire = backend.items.find((n) => n.title === '冬季消防安全提示')!;
    expect([water.affects_me, power.affects_me], 'the fake holds what the backend decided').toEqual([true, false]);
    await vi.waitFor(() => expect(row(water.id)).not.toBeNull());
    const tag = (id: string) => row(id)!.querySelector<HTMLElement>('[data-testid="notice-affects"]');
    expect(tag(water.id)?.textContent).toBe('影响您所在的楼栋');
    expect(tag(power.id)?.textContent).toBe('不影响您');
    expect(tag(fire.id), 'a notice to the whole community needs no tag').toBeNull();
    expect(row(fire.id)!.querySelector('[data-testid="notice-back"]'), 'no return time said, none shown').toBeNull();
    expect(row(water.id)!.querySelector('[data-testid="notice-back"]')?.textContent).toContain('预计恢复：');

    // The backend's word is shown, whatever the building names say.
    power.affects_me = true;
    row(power.id)!.click();
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/notices/${power.id}`));
    await vi.waitFor(() => expect(byId('notice-targets')?.textContent).toBe('范围：1栋、2栋'));
    expect(byId('notice-affects')?.textContent).toBe('影响您所在的楼栋');
    expect(byId('notice-back')?.textContent).toContain('预计恢复：');
  });
});
