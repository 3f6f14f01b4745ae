// Notices in the real window: the seeded 停水 notice for 3栋 and 5栋 says it affects 王芳's
// building (3栋) and when water comes back; a search in Chinese finds it offline-capable from
// the core's cache, the match marked, and an unknown word says nothing matched.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, eventually, settled, tempDir, byId, field, signIn } from './lib/harness.mjs';

const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'notices');
const OUTAGE = '关于3栋、5栋临时停水的通知';

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('a targeted outage says it affects the resident, and a Chinese search marks its match', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  open.driver = await startDriver({ LINLI_BACKEND_URL: server.url, LINLI_BACKEND_CA: server.ca, LINLI_DATA_DIR: tempDir('app') });
  const browser = await openApp();
  open.browser = browser;
  await signIn(browser);

  await (await byId(browser, 'tab-notices')).click();
  const row = await browser.$(`[data-testid="notice-item"]*=${OUTAGE}`);
  await row.waitForDisplayed({ timeout: 30000 });
  const affects = await row.$('[data-testid="notice-affects"]');
  assert.equal(await affects.getText(), '影响您所在的楼栋', '王芳 lives in 3栋: the backend said so');
  assert.match(await (await row.$('[data-testid="notice-back"]')).getText(), /^预计恢复：/, 'when the water is back');
  await settled(browser);
  screenshot(shots, '01-list');

  // A hit's title is split into parts around its marks, so it is found by its whole text.
  const findHit = async () => {
    for (const el of await browser.$$('[data-testid="notice-hit"]')) if ((await el.getText()).includes(OUTAGE)) return el;
    return null;
  };
  // Typed as a resident types: what was there is deleted first (keys, so the field hears it).
  const retype = async (text) => {
    const input = await field(browser, 'notice-search');
    await input.click();
    await browser.keys(['Control', 'a']);
    await browser.keys('Backspace');
    await input.addValue(text);
  };
  await retype('停水');
  let hit;
  try {
    hit = await eventually('the outage among the hits', findHit, 20000);
  } finally {
    screenshot(shots, '02-search');
  }
  const marks = await hit.$$('[data-testid="search-mark"]');
  assert.ok(marks.length >= 1, 'the match is marked');
  assert.equal(await marks[0].getText(), '停水', 'exactly the typed words are marked');
  assert.equal(await marks[0].getTagName(), 'mark');
  assert.equal((await browser.$$('[data-testid="notice-item"]')).length, 0, 'the results stand in for the list');
  await settled(browser);
  screenshot(shots, '02-search');

  await retype('游泳池');
  const none = await byId(browser, 'notice-no-results');
  await none.waitForDisplayed({ timeout: 20000 });
  assert.match(await none.getText(), /没有找到与“游泳池”有关的公告/);
  await settled(browser);
  screenshot(shots, '03-no-results');

  await retype('3栋 停水');
  hit = await eventually('the outage found by two terms', findHit, 20000);
  await hit.click();
  const targets = await byId(browser, 'notice-targets');
  await targets.waitForDisplayed({ timeout: 20000 });
  assert.equal(await targets.getText(), '范围：3栋、5栋');
  await settled(browser);
  screenshot(shots, '04-detail');
  await eventually('the title on the detail', async () => (await (await byId(browser, 'notice-title')).getText()) === OUTAGE);
});
