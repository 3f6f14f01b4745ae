// 长辈模式 in the real window (issue 13, part 3): offered once on Home after the first sign-in;
// turned on, Home is five large actions (报修, 缴费, 访客, 公告, and a tel: link to the
// community's service phone from the backend, its number shown), body text is at least 24 px
// (18 pt) and controls at least 48 px tall; axe finds nothing serious in it; it survives a
// restart of the app and signing out (a setting of the device, kept by the core in app.db).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, device, settled, tempDir, byId, signIn } from './lib/harness.mjs';
import { axeLog } from './lib/a11y.mjs';

const RESIDENT = '13800000001';
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'elderly');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

async function go(browser, hash, testid) {
  await browser.execute((h) => {
    window.location.hash = h;
  }, hash);
  await (await byId(browser, testid)).waitForDisplayed({ timeout: 30000 });
  await settled(browser);
}

/** Computed sizes in CSS px: the body's font, and the smallest font and height among `selector`. */
const sizes = (browser, selector) =>
  browser.execute((sel) => {
    const px = (v) => parseFloat(v);
    const els = Array.from(document.querySelectorAll(sel)).filter((el) => el.getClientRects().length > 0);
    return {
      body: px(getComputedStyle(document.body).fontSize),
      count: els.length,
      minFont: Math.min(...els.map((el) => px(getComputedStyle(el).fontSize))),
      minHeight: Math.min(...els.map((el) => el.getBoundingClientRect().height)),
    };
  }, selector);

test('长辈模式: offered once, five large actions with the service phone, large text, kept across a restart and sign-out', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const other = device(server);
  await other.signIn(RESIDENT, PASSWORD);
  const me = (await other.get('/v1/me')).body;
  const community = me.memberships.find((m) => m.role === 'owner').community;

  open.driver = await startDriver({ LINLI_BACKEND_URL: server.url, LINLI_BACKEND_CA: server.ca, LINLI_DATA_DIR: tempDir('app') });
  let browser = await openApp();
  open.browser = browser;
  await signIn(browser, RESIDENT, PASSWORD);
  const offer = await byId(browser, 'elderly-offer');
  await offer.waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  screenshot(shots, '01-offer');
  await (await byId(browser, 'elderly-offer-yes')).click();

  const home = await byId(browser, 'elderly-home');
  await home.waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  screenshot(shots, '02-home');
  assert.equal(await offer.isExisting(), false, 'answered: the offer is gone');
  const actions = await home.$$('button, a');
  const labels = [];
  for (const a of actions) labels.push((await a.getText()).replace(/\s+/g, '').trim());
  assert.deepEqual(labels, ['报修', '缴费', '访客', '公告', `打电话给物业${community.service_phone.replace(/\s+/g, '')}`], 'the five large actions, the number shown');
  const call = await byId(browser, 'big-call');
  assert.equal(await call.getAttribute('href'), `tel:${community.service_phone.replace(/[^\d+]/g, '')}`, "a tel: link to the backend's service phone");
  const big = await sizes(browser, '[data-testid="elderly-home"] > *');
  assert.ok(big.body >= 24, `body text at least 24 px (18 pt): ${big.body}`);
  assert.ok(big.minHeight >= 60, `large actions at least 60 px tall: ${big.minHeight}`);

  const axe = axeLog(browser);
  await axe.check('elderly home');
  await go(browser, '#/notices', 'notice-item');
  screenshot(shots, '03-notices');
  const rows = await sizes(browser, '[data-testid="notice-item"] .title');
  assert.ok(rows.minFont >= 24, `notice titles at least 24 px: ${rows.minFont}`);
  await axe.check('elderly notices');
  await go(browser, '#/tickets?kind=repair', 'ticket-new');
  screenshot(shots, '04-tickets');
  await axe.check('elderly tickets');
  await go(browser, '#/bills', 'bill-item');
  await settled(browser);
  screenshot(shots, '05-bills');
  await axe.check('elderly bills');
  await go(browser, '#/me', 'elderly-switch');
  screenshot(shots, '06-me');
  const cells = await sizes(browser, '.van-cell__title');
  assert.ok(cells.minFont >= 24, `cell titles on 我的 at least 24 px: ${cells.minFont}`);
  const targets = await sizes(browser, '.van-cell, .van-button, .van-tabbar-item');
  assert.ok(targets.minHeight >= 48, `touch targets at least 48 px: ${targets.minHeight}`);
  assert.equal(await (await byId(browser, 'elderly-switch')).getAttribute('aria-checked'), 'true');
  await axe.check('elderly me');
  assert.equal(axe.found.length, 0, `axe found serious or critical problems in 长辈模式:\n${axe.report()}`);

  // A restart: the core read it back from app.db before the first screen.
  await browser.deleteSession();
  browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'elderly-home')).waitForDisplayed({ timeout: 30000 });
  assert.ok(await browser.execute(() => document.documentElement.classList.contains('elderly')), 'still on after a restart');
  assert.equal(await (await byId(browser, 'elderly-offer')).isExisting(), false, 'and never offered again');

  // Signing out keeps it: the sign-in screen is large too.
  await go(browser, '#/me', 'signout-button');
  await (await byId(browser, 'signout-button')).click();
  await (await byId(browser, 'signout-confirm')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'signout-confirm')).click();
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  screenshot(shots, '07-sign-in');
  assert.ok(await browser.execute(() => document.documentElement.classList.contains('elderly')), 'a device setting: kept after signing out');
  const login = await sizes(browser, '.van-field__control');
  assert.ok(login.minFont >= 24, `the sign-in fields at least 24 px: ${login.minFont}`);
});
