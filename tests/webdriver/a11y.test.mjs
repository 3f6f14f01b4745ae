// Accessibility in the real window (issue 13, part 2): axe-core runs on every screen a
// resident reaches — 加入小区, sign-in, home with an invitation, notices (list, search,
// detail), tickets (list, new, detail), bills (list, detail, the pay sheet, receipts),
// visitor passes (list, new, the pass QR), homes (bind, requests), 我的 with its members and
// settings — in the light theme and again in the dark one, and the test fails on any serious
// or critical finding, listing rule, element and help. WebKitWebDriver cannot emulate
// prefers-color-scheme, so the dark run opens the UI with `?theme=dark`, the override the UI
// takes for exactly this (ui/src/shared/theme.ts).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, device, eventually, settled, tempDir, byId, field, signIn } from './lib/harness.mjs';
import { axeLog } from './lib/a11y.mjs';

const RESIDENT = '13800000001'; // 王芳, owner of 翠湖花园 3栋2单元1502
const NEIGHBOUR = '13800000002'; // 李强, owner of 翠湖花园 5栋1单元302
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'a11y');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/** Opens route `hash` the way a link does (no reload) and waits for `testid` on it. */
async function go(browser, hash, testid) {
  await browser.execute((h) => {
    window.location.hash = h;
  }, hash);
  await (await byId(browser, testid)).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
}

/** Every signed-in screen, each checked by `axe.check(name)` once it has settled. */
async function walk(browser, axe, theme) {
  // Home asks for invitations when it opens: opened afresh, after the first sync.
  await go(browser, '#/me', 'signout-button');
  await go(browser, '#/home', 'home-community');
  await eventually('the invitation shows on home', async () => (await browser.$$('[data-testid="invitation"]')).length > 0, 30000);
  await settled(browser);
  screenshot(shots, `${theme}-home`);
  await axe.check(`${theme} home`);

  await go(browser, '#/notices', 'notice-search');
  await (await byId(browser, 'notice-item')).waitForDisplayed({ timeout: 30000 });
  screenshot(shots, `${theme}-notices`);
  await axe.check(`${theme} notices`);
  await (await field(browser, 'notice-search')).addValue('停水');
  await (await byId(browser, 'notice-hit')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  await axe.check(`${theme} notice search`);
  await (await byId(browser, 'notice-hit')).click();
  await (await byId(browser, 'notice-title')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  await axe.check(`${theme} notice detail`);

  await go(browser, '#/tickets?kind=repair', 'ticket-new');
  await axe.check(`${theme} tickets`);
  await (await byId(browser, 'ticket-new')).click();
  await (await byId(browser, 'ticket-category-pipes')).waitForDisplayed({ timeout: 10000 });
  await settled(browser);
  await axe.check(`${theme} ticket new`);
  await (await byId(browser, 'ticket-category-pipes')).click();
  await (await (await byId(browser, 'ticket-description')).$('textarea')).setValue(`厨房水龙头漏水（${theme}）`);
  await (await byId(browser, 'ticket-submit')).click();
  await (await byId(browser, 'ticket-state')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  screenshot(shots, `${theme}-ticket`);
  await axe.check(`${theme} ticket detail`);
  await go(browser, '#/tickets?kind=repair', 'ticket-item');
  await axe.check(`${theme} tickets with one`);

  await go(browser, '#/bills', 'bill-item');
  await eventually('the bills are synced', async () => (await browser.$$('[data-testid="bill-item"]')).length >= 1, 45000);
  await settled(browser);
  screenshot(shots, `${theme}-bills`);
  await axe.check(`${theme} bills`);
  const bill = await byId(browser, 'bill-item');
  await (await bill.$('.body')).click();
  await (await byId(browser, 'bill-pay')).waitForDisplayed({ timeout: 10000 });
  await settled(browser);
  await axe.check(`${theme} bill detail`);
  await (await byId(browser, 'bill-pay')).click();
  await (await byId(browser, 'pay-checkout')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  await axe.check(`${theme} pay sheet`);
  await eventually(
    'the payment is confirmed',
    async () => {
      const result = await byId(browser, 'pay-result');
      if (await result.isDisplayed()) return true;
      const button = await byId(browser, 'pay-action-confirm');
      if (await button.isDisplayed()) await button.click().catch(() => {});
      return result.waitForDisplayed({ timeout: 3000 }).then(() => true, () => false);
    },
    45000,
  );
  await settled(browser);
  await axe.check(`${theme} paid`);
  await (await byId(browser, 'pay-receipt')).click();
  await (await byId(browser, 'receipt-detail')).waitForDisplayed({ timeout: 10000 });
  await settled(browser);
  await axe.check(`${theme} receipt`);
  await go(browser, '#/receipts', 'receipt-item');
  await axe.check(`${theme} receipts`);
  await go(browser, '#/payments', 'payment-item');
  await axe.check(`${theme} payments`);

  await go(browser, '#/visitors', 'visitor-new');
  await axe.check(`${theme} visitors`);
  await (await byId(browser, 'visitor-new')).click();
  await (await field(browser, 'visitor-name')).setValue('刘洋');
  await settled(browser);
  await axe.check(`${theme} visitor new`);
  await (await byId(browser, 'visitor-submit')).click();
  await (await byId(browser, 'pass-qr')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  await axe.check(`${theme} pass QR`);

  await go(browser, '#/homes/bind', 'bind-room');
  await axe.check(`${theme} bind home`);
  await go(browser, '#/homes/requests', 'requests-bind');
  await axe.check(`${theme} home requests`);

  await go(browser, '#/me', 'signout-button');
  await (await byId(browser, 'home-members')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  screenshot(shots, `${theme}-me`);
  await axe.check(`${theme} me`);
}

test('every screen passes axe-core with no serious or critical finding, light and dark', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  // 李强 invites 王芳 into his home, so home shows an invitation card to check as well.
  const neighbour = device(server);
  await neighbour.signIn(NEIGHBOUR, PASSWORD);
  const his = (await neighbour.get('/v1/me')).body.memberships.find((m) => m.role === 'owner');
  const invited = await neighbour.post(`/v1/memberships/${his.id}/invitations`, { phone: RESIDENT, role: 'family' }, { 'idempotency-key': `"${randomUUID()}"` });
  assert.equal(invited.status, 201, `invited: ${JSON.stringify(invited.body)}`);

  // 加入小区: an app with no backend configured.
  open.driver = await startDriver({ LINLI_DATA_DIR: tempDir('app-join') });
  let browser = await openApp();
  open.browser = browser;
  const axeJoin = axeLog(browser);
  await (await byId(browser, 'join-link')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  await axeJoin.check('light join');
  await browser.deleteSession();
  await open.driver.stop();

  open.driver = await startDriver({ LINLI_BACKEND_URL: server.url, LINLI_BACKEND_CA: server.ca, LINLI_DATA_DIR: tempDir('app') });
  browser = await openApp();
  open.browser = browser;
  const axe = axeLog(browser);
  axe.found.push(...axeJoin.found);
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
  screenshot(shots, 'light-login');
  await axe.check('light sign-in');
  await signIn(browser, RESIDENT, PASSWORD);
  await walk(browser, axe, 'light');

  // The dark theme: the same UI loaded again with the override (the core keeps the session).
  await browser.execute(() => {
    window.location.replace(`${window.location.pathname}?theme=dark#/home`);
  });
  const dark = await eventually('the dark theme is on', () => browser.execute(() => document.documentElement.classList.contains('theme-dark')), 30000).catch((err) => {
    axe.found.push(`[dark] the dark theme did not come on: ${err.message}`);
    return false;
  });
  if (dark) await walk(browser, axe, 'dark');

  assert.equal(axe.found.length, 0, `axe found serious or critical problems:\n${axe.report()}`);
});
