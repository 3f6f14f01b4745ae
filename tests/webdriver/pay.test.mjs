// Paying a bill in the real window (issue: bills, payments and receipts): the resident opens
// 缴费, pays one bill through the demo provider's checkout shown in the payment sheet, sees it
// paid and its receipt, and exports the receipt as a PDF that poppler renders. Then the app is
// killed (SIGKILL, by the pid of the one this test started; a stray process of the same name
// lives on) while a second checkout is open: on its next start it says the payment is
// in progress (do not pay again) and lets the resident continue it. The backend agrees: each
// bill is paid once, with one receipt each.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startServer, startDriver, openApp, screenshot, eventually, device, tempDir, byId, signIn, alive, startStrayNamedLikeTheApp } from './lib/harness.mjs';

const PHONE = '13800000001';
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'pay');

const open = { browser: null, driver: null, server: null, stray: null };
after(async () => {
  open.stray?.kill('SIGKILL');
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/**
 * Presses the checkout's confirm button until the sheet shows the outcome. A click that lands
 * while the sheet is still sliding in misses the button; pressing again is safe, because the
 * sheet acts on the first press only.
 */
async function confirmPayment(browser) {
  const result = await byId(browser, 'pay-result');
  await eventually(
    'the payment is confirmed',
    async () => {
      if (await result.isDisplayed()) return true;
      const button = await byId(browser, 'pay-action-confirm');
      if (await button.isDisplayed()) await button.click().catch(() => {});
      return result.waitForDisplayed({ timeout: 3000 }).then(() => true, () => false);
    },
    45000,
  );
  return result;
}

test('resident pays one bill through the demo checkout and keeps its receipt as a PDF', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const documents = tempDir('documents');
  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
    LINLI_DOCUMENTS_DIR: documents,
  });
  const browser = await openApp();
  open.browser = browser;

  await signIn(browser, PHONE, PASSWORD);

  await (await byId(browser, 'service-bills')).click();
  const first = await byId(browser, 'bill-item');
  await eventually('the bills are synced', async () => (await browser.$$('[data-testid="bill-item"]')).length >= 3, 45000);
  screenshot(shots, '01-bills');
  const billId = await first.getAttribute('data-bill-id');
  await (await first.$('.body')).click();
  await (await byId(browser, 'bill-pay')).waitForDisplayed({ timeout: 10000 });
  screenshot(shots, '02-bill');
  await (await byId(browser, 'bill-pay')).click();

  const frame = await byId(browser, 'pay-checkout');
  await frame.waitForDisplayed({ timeout: 30000 });
  screenshot(shots, '03-checkout');
  const page = await browser.execute(() => document.querySelector('[data-testid="pay-checkout"]')?.getAttribute('srcdoc') ?? '');
  assert.match(page, /安居支付/, "the backend's sandbox checkout page is shown");
  const result = await confirmPayment(browser);
  assert.equal(await result.getAttribute('data-state'), 'succeeded', 'the backend says it is paid');
  screenshot(shots, '04-paid');
  await (await byId(browser, 'pay-receipt')).click();
  const receipt = await byId(browser, 'receipt-detail');
  await receipt.waitForDisplayed({ timeout: 10000 });
  const number = await receipt.getAttribute('data-number');
  screenshot(shots, '05-receipt');

  await (await byId(browser, 'receipt-pdf')).click();
  const pdf = await eventually('the PDF is exported', () => readdirSync(documents).find((n) => n.endsWith('.pdf')));
  assert.ok(pdf.includes(number), `the file is named after the receipt: ${pdf}`);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', join(documents, pdf), '-'], { encoding: 'utf8' });
  assert.match(text, /收款收据/, 'the PDF opens and reads as a receipt');
  execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', join(documents, pdf), join(shots, '06-receipt-pdf')]);

  // A second bill: the app dies with the checkout open.
  await browser.execute(() => {
    window.location.hash = '#/bills';
  });
  await eventually('the paid bill left the list', async () => {
    const ids = await browser.execute(() => [...document.querySelectorAll('[data-testid="bill-item"]')].map((el) => el.getAttribute('data-bill-id')));
    return ids.length > 0 && !ids.includes(billId);
  });
  const second = await byId(browser, 'bill-item');
  const secondId = await second.getAttribute('data-bill-id');
  await (await second.$('.body')).click();
  await (await byId(browser, 'bill-pay')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'bill-pay')).click();
  await (await byId(browser, 'pay-checkout')).waitForDisplayed({ timeout: 30000 });
  // A stray process under the app's very name (what a kill by name would hit as well): only
  // the app this test's driver started may die.
  const stray = await startStrayNamedLikeTheApp();
  open.stray = stray;
  const killed = await open.driver.killApp();
  assert.ok(!alive(killed), `the app this test started (pid ${killed}) is gone`);
  assert.ok(alive(stray.pid), `the stray process named like the app (pid ${stray.pid}) was left alone`);
  // Seen from the WebDriver side too, whatever the pids say: this session's window is gone.
  await assert.rejects(browser.getTitle(), 'the window this test drove no longer answers');
  await browser.deleteSession().catch(() => {});

  const again = await openApp();
  open.browser = again;
  await (await byId(again, 'home-community')).waitForDisplayed({ timeout: 30000 });
  await again.execute(() => {
    window.location.hash = '#/bills';
  });
  const banner = await byId(again, 'bills-in-progress');
  await banner.waitForDisplayed({ timeout: 30000 });
  assert.match(await banner.getText(), /请勿重复支付/, 'the order was not forgotten');
  screenshot(shots, '07-resumed-after-kill');
  await (await byId(again, 'bills-continue')).click();
  const frame2 = await byId(again, 'pay-checkout');
  await frame2.waitForDisplayed({ timeout: 30000 });
  const result2 = await confirmPayment(again);
  assert.equal(await result2.getAttribute('data-state'), 'succeeded');

  const phone2 = device(server);
  await phone2.signIn(PHONE, PASSWORD);
  for (const id of [billId, secondId]) {
    const bill = (await phone2.get(`/v1/bills/${id}`)).body;
    assert.equal(bill.state, 'paid', 'the backend settled the bill');
  }
  const receipts = (await phone2.get('/v1/receipts')).body.items.filter((r) => r.channel === 'demo');
  assert.equal(receipts.length, 2, 'two payments, one receipt each');
  assert.ok(receipts.some((r) => r.number === number));
  const orders = (await phone2.get('/v1/payment-orders')).body.items.filter((o) => o.channel === 'demo');
  assert.equal(orders.length, 2, 'killing the app made no second order');

  // "Dispute this line": a fees complaint about one line of a paid bill, linked to it.
  await again.execute((id) => {
    window.location.hash = `#/bills/${id}`;
  }, secondId);
  const dispute = await byId(again, 'bill-line-dispute');
  await dispute.waitForDisplayed({ timeout: 20000 });
  await dispute.click();
  const card = await byId(again, 'ticket-bill-line');
  await card.waitForDisplayed({ timeout: 20000 });
  const lineId = await card.getAttribute('data-line-id');
  const complaint = await (await byId(again, 'ticket-description')).$('textarea');
  await complaint.setValue('这一项的读数和我家水表对不上，请核实');
  await (await byId(again, 'ticket-submit')).click();
  // The complaint's own screen (queued or sent) names the line too.
  await (await byId(again, 'ticket-state')).waitForDisplayed({ timeout: 20000 });
  assert.equal(await (await byId(again, 'ticket-bill-line')).getAttribute('data-line-id'), lineId);
  screenshot(shots, '08-dispute');
  await eventually('the complaint reaches the backend, naming the line', async () => {
    const items = (await phone2.get('/v1/tickets')).body.items;
    return items.some((t) => t.kind === 'complaint' && t.category === 'fees' && t.bill_line_id === lineId);
  });
});
