// The walking-skeleton scenario in the real window (issue: sign in and read notices, online and
// offline). Steps follow the acceptance scenario: 1 sign-in screen in Chinese with English
// switchable, 2 sign in, 3 home and household switch, 4 notices with read state reaching the
// server, 5 restart with the backend gone: still signed in, cached notices, offline banner,
// a read mark queued and sent once the backend is back; then moving out of one home (the
// backend ends it, the app drops it), and sign out.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, eventually, device, tempDir, byId, field } from './lib/harness.mjs';

const PHONE = '13800000001'; // 王芳: two households (翠湖花园 and 锦绣江南)
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'resident');



async function unreadNotice(browser) {
  const items = await browser.$$('[data-testid="notice-item"][data-unread="true"]');
  assert.ok(items.length > 0, 'the demo resident has unread notices');
  return items[0];
}

// Whatever is still open when the test ends (or fails) is closed here; the harness kills any
// process left on exit.
const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('resident signs in, reads notices online and offline, and signs out', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const appData = tempDir('app');
  const driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: appData,
  });
  open.driver = driver;

  // 1. The sign-in screen, in Chinese; English is one tap away.
  let browser = await openApp();
  open.browser = browser;
  const submit = await byId(browser, 'login-submit');
  await submit.waitForDisplayed({ timeout: 30000 });
  assert.match(await submit.getText(), /登录/, 'the first screen is Chinese by default');
  screenshot(shots, '01-sign-in-zh');
  await (await byId(browser, 'lang-en')).click();
  await eventually('English labels', async () => /sign in/i.test(await submit.getText()));
  screenshot(shots, '02-sign-in-en');
  await (await byId(browser, 'lang-zh')).click();
  await eventually('Chinese labels again', async () => /登录/.test(await submit.getText()));

  // 2. Sign in with phone number and password.
  await (await field(browser, 'login-phone')).setValue(PHONE);
  await (await byId(browser, 'login-mode-password')).click();
  await (await field(browser, 'login-password')).setValue(PASSWORD);
  await submit.click();

  // 3. Home: community and unit; switching household makes the whole app follow.
  const community = await byId(browser, 'home-community');
  await community.waitForDisplayed({ timeout: 30000 });
  assert.match(await community.getText(), /翠湖花园/, 'the first household is shown after sign-in');
  assert.match(await (await byId(browser, 'home-unit')).getText(), /1502/);
  screenshot(shots, '03-home');
  await (await byId(browser, 'household-switch')).click();
  const option = await browser.$('[data-testid="household-option"]*=锦绣江南');
  await option.waitForDisplayed({ timeout: 10000 });
  await option.click();
  await eventually('the second household', async () => /锦绣江南/.test(await community.getText()));
  await (await byId(browser, 'household-switch')).click();
  const back = await browser.$('[data-testid="household-option"]*=翠湖花园');
  await back.waitForDisplayed({ timeout: 10000 });
  await back.click();
  await eventually('the first household again', async () => /翠湖花园/.test(await community.getText()));

  // 4. Notices: open an unread one; it becomes read here and on the resident's other device.
  await (await byId(browser, 'tab-notices')).click();
  await (await browser.$('[data-testid="notice-item"]')).waitForDisplayed({ timeout: 20000 });
  screenshot(shots, '04-notices');
  const first = await unreadNotice(browser);
  const firstId = await first.getAttribute('data-notice-id');
  await first.click();
  await (await byId(browser, 'notice-title')).waitForDisplayed({ timeout: 10000 });
  screenshot(shots, '05-notice');
  await browser.back();
  const firstRow = await browser.$(`[data-testid="notice-item"][data-notice-id="${firstId}"]`);
  await firstRow.waitForDisplayed({ timeout: 10000 });
  await eventually('the opened notice loses its unread dot', async () => (await firstRow.getAttribute('data-unread')) === 'false');

  const phone2 = device(server);
  await phone2.signIn(PHONE, PASSWORD);
  const me = (await phone2.get('/v1/me')).body;
  const cuihu = me.memberships.find((m) => m.community.name.includes('翠湖花园')).community.id;
  const readOnServer = async (id) => {
    const res = await phone2.get(`/v1/notices?community_id=${cuihu}&limit=100`);
    return res.body.items.find((n) => n.id === id)?.read_at != null;
  };
  await eventually('the read mark to reach the server', () => readOnServer(firstId));

  // Remember English, to check the choice survives a restart.
  await (await byId(browser, 'tab-me')).click();
  await (await byId(browser, 'lang-en')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'lang-en')).click();

  // 5. Quit; the backend goes away; start again.
  await browser.deleteSession();
  open.browser = null;
  await server.stop();
  open.server = null;

  browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
  assert.match(await (await byId(browser, 'home-community')).getText(), /翠湖花园/, 'still signed in, from the cache');
  await (await byId(browser, 'offline-banner')).waitForDisplayed({ timeout: 30000 });
  assert.match(await (await byId(browser, 'tab-notices')).getText(), /Notices/i, 'the language choice was remembered');
  await (await byId(browser, 'tab-notices')).click();
  await (await browser.$('[data-testid="notice-item"]')).waitForDisplayed({ timeout: 20000 });
  const second = await unreadNotice(browser);
  const secondId = await second.getAttribute('data-notice-id');
  await second.click();
  await (await byId(browser, 'notice-title')).waitForDisplayed({ timeout: 10000 });
  screenshot(shots, '06-offline-notice');
  await browser.back();
  const secondRow = await browser.$(`[data-testid="notice-item"][data-notice-id="${secondId}"]`);
  await eventually('marking read works offline', async () => (await secondRow.getAttribute('data-unread')) === 'false');

  // The backend comes back on the same address: the queued mark is sent.
  const again = await startServer(server.dataDir, server.addr);
  open.server = again;
  const phone3 = device(again);
  await phone3.signIn(PHONE, PASSWORD);
  await eventually(
    'the offline read mark to reach the server once it is back',
    async () => {
      const res = await phone3.get(`/v1/notices?community_id=${cuihu}&limit=100`);
      return res.body.items.find((n) => n.id === secondId)?.read_at != null;
    },
    90000,
  );
  await (await byId(browser, 'offline-banner')).waitForDisplayed({ reverse: true, timeout: 90000 });

  // 7. Moving out of one home: asked first, then the backend ends it and the app drops it.
  await (await byId(browser, 'tab-me')).click();
  await eventually('both homes listed in Me', async () => (await browser.$$('[data-testid="household-leave"]')).length === 2);
  screenshot(shots, '07-me');
  const leaves = await browser.$$('[data-testid="household-leave"]');
  const leaving = await leaves[1].getAttribute('data-membership-id');
  await leaves[1].click();
  await (await byId(browser, 'household-leave-confirm')).waitForDisplayed({ timeout: 10000 });
  screenshot(shots, '08-move-out-asked');
  await (await byId(browser, 'household-leave-confirm')).click();
  await eventually('one home left in Me', async () => (await browser.$$('[data-testid="household-leave"]')).length === 1);
  const after = await phone3.get('/v1/me');
  assert.equal(after.body.memberships.find((m) => m.id === leaving)?.state, 'ended', 'the backend ended the home left');

  // 8. Sign out: back to the sign-in screen.
  await (await byId(browser, 'signout-button')).click();
  await (await byId(browser, 'signout-confirm')).click();
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 20000 });
  screenshot(shots, '09-signed-out');
});
