// Sign-in throttling in the real window (issue 11): a stranger's wrong passwords for the
// owner's number, from another address, spend only the stranger's budget: the stranger is
// refused after five, and the owner, in the app on her own address, signs in at once.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, startDriver, openApp, screenshot, settled, tempDir, byId, field } from './lib/harness.mjs';

const LI_QIANG = '13800000002';
/** Another loopback address (all of 127.0.0.0/8 is loopback on Linux): the stranger's. */
const STRANGER = '127.0.0.2';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'throttle');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/** One password sign-in attempt from the stranger's address; its status. */
function strangerTries(server, password) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/v1/auth/login', server.url),
      { method: 'POST', ca: readFileSync(server.ca), localAddress: STRANGER, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ phone: LI_QIANG, password }));
  });
}

test("a stranger's wrong passwords do not lock the owner out of her window", async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  for (let n = 0; n < 5; n += 1) {
    assert.equal(await strangerTries(server, `guess${n}`), 401, `the stranger's guess ${n} is checked and refused`);
  }
  assert.equal(await strangerTries(server, 'demo1234'), 429, 'then the stranger is slowed, even with the right password');

  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
  });
  const browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'login-mode-password')).waitForDisplayed({ timeout: 30000 });
  await (await field(browser, 'login-phone')).setValue(LI_QIANG);
  await (await byId(browser, 'login-mode-password')).click();
  await (await field(browser, 'login-password')).setValue('demo1234');
  await (await byId(browser, 'login-submit')).click();
  const community = await byId(browser, 'home-community');
  await community.waitForDisplayed({ timeout: 30000 }).catch(async (err) => {
    screenshot(shots, '99-not-signed-in');
    const shown = await browser.execute(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 400));
    throw new Error(`${err.message}; the window shows: ${shown}`);
  });
  assert.match(await community.getText(), /翠湖花园/, "the owner's home, at once");
  await settled(browser);
  screenshot(shots, '01-owner-signed-in');
});
