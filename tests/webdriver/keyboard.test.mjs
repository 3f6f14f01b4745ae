// Keyboard alone in the real window (issue 13, part 2): from the sign-in screen to signed in,
// then a notice opened and read, back, and a repair ticket opened from 报修 — every step by
// Tab and Enter/Space, asserting which control has focus each time, that focus is visible
// (:focus-visible with an outline), and that the order is the screen's reading order.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, startDriver, openApp, screenshot, device, eventually, settled, tempDir, byId, field } from './lib/harness.mjs';
import { focused, tabTo } from './lib/a11y.mjs';

const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'keyboard');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/** A UUIDv7 (the contract's client-chosen ids): the time in ms, then random bits. */
function uuidv7() {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The focused control is `testid`, and a keyboard user can see it. */
async function assertFocus(browser, testid, why) {
  const now = await focused(browser);
  assert.equal(now?.testid, testid, `${why}: focus is on ${JSON.stringify(now)}`);
  assert.ok(now.visible, `${why}: the focus is visible (:focus-visible matches ${testid})`);
  assert.doesNotMatch(now.outline, /^none/, `${why}: an outline is drawn (${now.outline})`);
  return now;
}

test('sign in, open a notice and a ticket with the keyboard alone, focus visible and in order', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  // A repair report from 王芳's other device, so 报修 lists one to open.
  const other = device(server);
  await other.signIn('13800000001', 'demo1234');
  const home = (await other.get('/v1/me')).body.memberships.find((m) => m.role === 'owner');
  const report = { id: uuidv7(), membership_id: home.id, kind: 'repair', category: 'pipes', place: 'unit', urgency: 'normal', description: '卫生间地漏堵了' };
  const made = await other.postOnce('/v1/tickets', report);
  assert.equal(made.status, 201, `reported: ${JSON.stringify(made.body)}`);
  open.driver = await startDriver({ LINLI_BACKEND_URL: server.url, LINLI_BACKEND_CA: server.ca, LINLI_DATA_DIR: tempDir('app') });
  const browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);

  // Sign-in: the way of signing in comes before the form, the form in reading order.
  let way = await tabTo(browser, 'login-mode-password');
  assert.ok(way.seen.includes('login-mode-code'), `the first way is passed on the way: ${way.seen.join(' → ')}`);
  await assertFocus(browser, 'login-mode-password', 'the password tab');
  await browser.keys(['Enter']);
  await byId(browser, 'login-password').then((el) => el.waitForExist({ timeout: 10000 }));
  await tabTo(browser, 'login-phone');
  await assertFocus(browser, 'login-phone', 'the phone field');
  // Typed into the focused field (WebDriver's element keys: a key sequence would merge the
  // repeated zeros into one key press).
  await (await field(browser, 'login-phone')).addValue('13800000001');
  await assertFocus(browser, 'login-phone', 'typing keeps the focus');
  way = await tabTo(browser, 'login-password', { max: 3 });
  await assertFocus(browser, 'login-password', 'the password field right after the phone');
  await (await field(browser, 'login-password')).addValue('demo1234');
  screenshot(shots, '01-sign-in');
  await browser.keys(['Enter']);
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
  await settled(browser);

  // Home: the services come before the latest notices; Enter on a notice opens it.
  const toRepair = await tabTo(browser, 'service-repair');
  await assertFocus(browser, 'service-repair', 'the 报修 tile');
  screenshot(shots, '02-home-focus');
  const toNotice = await tabTo(browser, 'home-notice');
  assert.ok(toNotice.seen.includes('service-notices'), `all five services before the notices: ${[...toRepair.seen, ...toNotice.seen].join(' → ')}`);
  await assertFocus(browser, 'home-notice', 'the first latest notice');
  await browser.keys(['Enter']);
  await (await byId(browser, 'notice-title')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);

  // The notice: the first thing Tab reaches is 返回, a named button; Space goes back.
  await tabTo(browser, 'nav-back', { max: 3 });
  const back = await assertFocus(browser, 'nav-back', 'the back button');
  assert.equal(back.tag, 'button');
  assert.equal(back.label, '返回', 'the icon button has a name a screen reader reads');
  await browser.keys([' ']);
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);

  // 报修 by Space on its tile (a Vant grid item, a <div>), then a ticket by Enter.
  await tabTo(browser, 'service-repair');
  await browser.keys([' ']);
  await (await byId(browser, 'ticket-new')).waitForDisplayed({ timeout: 20000 });
  await eventually('the report is synced', async () => (await browser.$$('[data-testid="ticket-item"]')).length > 0, 30000);
  await settled(browser);
  const toTicket = await tabTo(browser, 'ticket-item');
  assert.ok(toTicket.seen.includes('ticket-new'), `报修 (new) comes before the list: ${toTicket.seen.join(' → ')}`);
  await assertFocus(browser, 'ticket-item', 'the first ticket');
  screenshot(shots, '03-tickets-focus');
  await browser.keys(['Enter']);
  await (await byId(browser, 'ticket-state')).waitForDisplayed({ timeout: 20000 });
  await settled(browser);
  screenshot(shots, '04-ticket');

  // The tab bar is reached by keyboard too (Shift+Tab from the end would also do): 我的.
  await browser.execute(() => {
    window.location.hash = '#/home';
  });
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 20000 });
  await tabTo(browser, 'tab-me', { max: 60 });
  await assertFocus(browser, 'tab-me', 'the 我的 tab');
  await browser.keys(['Enter']);
  await (await byId(browser, 'signout-button')).waitForDisplayed({ timeout: 20000 });
});
