// `cargo xtask demo` on a machine with no display: walks the real window through sign-in →
// home → notices → an urgent notice → 我的 → 缴费 (a bill, the checkout, paid, its receipt) →
// payments → the fee ledger → 我的报修 and a ticket's timeline → disputing a bill line → 长辈模式
// switched on in 我的 and its home, notices, tickets, bills and 我的, and writes a screenshot of the X display at each step into $LINLI_SCREENSHOTS. The app joins the
// backend xtask started as a resident would: with the join link (LINLI_JOIN_LINK) on 加入小区.

import { startDriver, openApp, screenshot, byId, field } from './lib/harness.mjs';

const shots = process.env.LINLI_SCREENSHOTS;
if (!shots) throw new Error('LINLI_SCREENSHOTS is not set: run `cargo xtask demo`');
const joinLink = process.env.LINLI_JOIN_LINK;
if (!joinLink) throw new Error('LINLI_JOIN_LINK is not set: run `cargo xtask demo`');
// Lets transitions and web fonts settle before a picture is taken.
const settle = (browser) => browser.pause(800);

const driver = await startDriver({});
const browser = await openApp();
try {
  const link = await byId(browser, 'join-link');
  await link.waitForDisplayed({ timeout: 30000 });
  await link.setValue(joinLink);
  await (await byId(browser, 'join-preview')).click();
  await (await byId(browser, 'join-submit')).waitForDisplayed({ timeout: 20000 });
  // The first frame of a fresh WebKit window reaches the X server late: give it longer.
  await browser.pause(2500);
  console.log(screenshot(shots, '0-join'));
  await (await byId(browser, 'join-submit')).click();

  const submit = await byId(browser, 'login-submit');
  await submit.waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '1-sign-in'));

  await (await field(browser, 'login-phone')).setValue('13800000001');
  await (await byId(browser, 'login-mode-password')).click();
  await (await field(browser, 'login-password')).setValue('demo1234');
  await submit.click();
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '2-home'));

  await (await byId(browser, 'tab-notices')).click();
  await (await browser.$('[data-testid="notice-item"]')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '3-notices'));

  await (await browser.$('[data-testid="notice-item"]')).click();
  await (await byId(browser, 'notice-title')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '4-notice'));

  await browser.back();
  await (await byId(browser, 'tab-me')).waitForDisplayed({ timeout: 20000 });
  await (await byId(browser, 'tab-me')).click();
  await (await byId(browser, 'signout-button')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '5-me'));

  const go = (hash) => browser.execute((h) => {
    window.location.hash = h;
  }, hash);
  await go('#/bills');
  await (await byId(browser, 'bill-item')).waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '6-bills'));
  await (await (await byId(browser, 'bill-item')).$('.body')).click();
  await (await byId(browser, 'bill-pay')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '7-bill'));
  await (await byId(browser, 'bill-pay')).click();
  const frame = await byId(browser, 'pay-checkout');
  await frame.waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '8-checkout'));
  await (await byId(browser, 'pay-action-confirm')).click();
  await (await byId(browser, 'pay-receipt')).waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '9-paid'));
  await (await byId(browser, 'pay-receipt')).click();
  await (await byId(browser, 'receipt-detail')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '10-receipt'));
  await go('#/payments');
  await (await byId(browser, 'payment-item')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '11-payments'));
  await go('#/ledger');
  await (await byId(browser, 'ledger-summary')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '12-ledger'));
  await go('#/tickets');
  await (await byId(browser, 'ticket-item')).waitForDisplayed({ timeout: 30000 });
  await settle(browser);
  console.log(screenshot(shots, '13-tickets'));
  const closed = await browser.$('[data-testid="ticket-item"][data-state="closed"]');
  if (await closed.isExisting()) {
    await closed.click();
    await (await byId(browser, 'ticket-event')).waitForDisplayed({ timeout: 20000 });
    await settle(browser);
    console.log(screenshot(shots, '14-ticket'));
  }
  await go('#/bills');
  await (await byId(browser, 'bill-item')).waitForDisplayed({ timeout: 30000 });
  await (await (await byId(browser, 'bill-item')).$('.body')).click();
  await (await byId(browser, 'bill-line-dispute')).waitForDisplayed({ timeout: 20000 });
  await (await byId(browser, 'bill-line-dispute')).click();
  await (await byId(browser, 'ticket-submit')).waitForDisplayed({ timeout: 20000 });
  await settle(browser);
  console.log(screenshot(shots, '15-dispute'));

  // 长辈模式 (elderly mode), switched on where a resident does it, and the main screens in it.
  await go('#/me');
  await (await byId(browser, 'elderly-switch')).waitForDisplayed({ timeout: 20000 });
  await (await byId(browser, 'elderly-switch')).click();
  await browser.waitUntil(() => browser.execute(() => document.documentElement.classList.contains('elderly')), { timeout: 20000 });
  for (const [hash, testid, name] of [
    ['#/home', 'elderly-home', '16-elderly-home'],
    ['#/notices', 'notice-item', '17-elderly-notices'],
    ['#/tickets', 'ticket-item', '18-elderly-tickets'],
    ['#/bills', 'bill-item', '19-elderly-bills'],
    ['#/me', 'elderly-switch', '20-elderly-me'],
  ]) {
    await go(hash);
    await (await byId(browser, testid)).waitForDisplayed({ timeout: 30000 });
    await settle(browser);
    console.log(screenshot(shots, name));
  }
} finally {
  await browser.deleteSession().catch(() => {});
  await driver.stop();
}
