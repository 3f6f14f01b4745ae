// Signing in with an SMS code in the real window (issue: residents join on their own): a new
// number asks for a code, reads it from what the backend's built-in sender kept
// (`linli-server sms-outbox`, what the phone received), and signs in. A wrong code is explained and keeps what was typed; the new number lands on a home
// that says it has no home yet.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { smsCodes } from './lib/joining.mjs';
import { startServer, startDriver, openApp, screenshot, eventually, tempDir, byId, field } from './lib/harness.mjs';

const NEW_PHONE = '13900000066';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'sms');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('a new number signs in with the SMS code it received and has no home yet', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
  });
  const browser = await openApp();
  open.browser = browser;

  const send = await byId(browser, 'login-send-code');
  await send.waitForDisplayed({ timeout: 30000 });
  await (await field(browser, 'login-phone')).setValue(NEW_PHONE);
  await send.click();
  await (await byId(browser, 'login-code-sent')).waitForDisplayed({ timeout: 20000 });
  await eventually('the countdown', async () => /\d+ 秒后重发/.test(await send.getText()));
  assert.equal(await send.isEnabled(), false, 'no second code before the minute is up');
  const [code] = smsCodes(server, NEW_PHONE);
  assert.ok(code, 'the backend sent one code to the number');
  screenshot(shots, '01-code-sent');

  const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
  await (await field(browser, 'login-code')).setValue(wrong);
  await (await byId(browser, 'login-submit')).click();
  const error = await byId(browser, 'error-message');
  await error.waitForDisplayed({ timeout: 20000 });
  assert.match(await error.getText(), /验证码错误或已失效/, 'the refusal is explained in words of the app');
  assert.equal(await (await field(browser, 'login-phone')).getValue(), NEW_PHONE, 'the number typed is kept');
  assert.equal(await (await field(browser, 'login-code')).getValue(), '', 'the wrong code is cleared for the right one');

  await (await field(browser, 'login-code')).setValue(code);
  await (await byId(browser, 'login-submit')).click();
  const unbound = await byId(browser, 'home-unbound');
  await unbound.waitForDisplayed({ timeout: 30000 });
  assert.match(await (await byId(browser, 'home-no-household')).getText(), /还没有绑定房屋/);
  assert.equal(await (await byId(browser, 'service-repair')).isExisting(), false, 'no services without a home');
  screenshot(shots, '02-home-without-a-home');
});
