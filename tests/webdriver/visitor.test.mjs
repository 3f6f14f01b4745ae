// Visitor passes in the real window (issue: visitor passes the gate can verify offline): a
// resident invites a visitor, sees the QR and the short code, revokes the pass and sees it
// revoked; the backend agrees.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, eventually, device, tempDir, byId, field } from './lib/harness.mjs';

const PHONE = '13800000001';
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'visitor');


const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('resident invites a visitor, shows the QR, and revokes the pass', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
  });
  const browser = await openApp();
  open.browser = browser;

  await (await field(browser, 'login-phone')).setValue(PHONE);
  await (await field(browser, 'login-password')).setValue(PASSWORD);
  await (await byId(browser, 'login-submit')).click();
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });

  await (await byId(browser, 'service-visitor')).click();
  await (await byId(browser, 'visitor-new')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'visitor-new')).click();
  await (await field(browser, 'visitor-name')).setValue('刘洋');
  await (await field(browser, 'visitor-plate')).setValue('浙A12345');
  screenshot(shots, '01-new-pass');
  await (await byId(browser, 'visitor-submit')).click();

  const qr = await byId(browser, 'pass-qr');
  await qr.waitForDisplayed({ timeout: 30000 });
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/, 'the core drew the QR');
  const state = await byId(browser, 'pass-state');
  await eventually('the pass is issued', async () => (await state.getAttribute('data-state')) === 'active');
  const code = (await (await byId(browser, 'pass-code')).getText()).replace(/\s/g, '');
  assert.match(code, /^\d{8}$/, 'an 8-digit code for visitors without a working QR');
  screenshot(shots, '02-pass-qr');

  await (await byId(browser, 'pass-revoke')).click();
  const confirm = await byId(browser, 'pass-revoke-confirm');
  await confirm.waitForDisplayed({ timeout: 10000 });
  await confirm.click();
  await eventually('the pass shows revoked', async () => (await state.getAttribute('data-state')) === 'revoked');
  screenshot(shots, '03-pass-revoked');

  const phone2 = device(server);
  await phone2.signIn(PHONE, PASSWORD);
  const list = (await phone2.get('/v1/passes')).body;
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].state, 'revoked', 'the backend revoked it for the gates');
  assert.equal(list.items[0].short_code, code);
});
