// Joining a community in the real window (issue 10, part 1): a fresh app with NO
// LINLI_BACKEND_URL / LINLI_BACKEND_CA opens on 加入小区; the link `linli-server join-link`
// prints, with its pin changed, is refused with the app's own words for `pin-mismatch`; the
// real link shows the community, 加入 leads to sign-in, and signing in reaches home over the
// pinned CA. A restart of the app opens on sign-in, not 加入小区: the choice is in app.db.
// A second fresh app joins by picking the QR code's PNG (`join-link --qr`), read by the core,
// of a link whose pin names the server's own certificate (`--pin leaf`), and signs in over it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { joinLink, typeJoinLink } from './lib/joining.mjs';
import { startServer, startDriver, openApp, screenshot, tempDir, byId, signIn } from './lib/harness.mjs';

const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'join');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('a fresh app joins its community by the join link, refusing a wrong pin', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const printed = joinLink(server, shots);
  assert.match(printed.pin, /^sha256\/[A-Za-z0-9_-]{43}$/, 'the pin of the data dir CA');
  const wrong = new URL(printed.link);
  wrong.searchParams.set('pin', `sha256/${'A'.repeat(43)}`);

  // The app must find its backend by joining: nothing in its environment names one.
  delete process.env.LINLI_BACKEND_URL;
  delete process.env.LINLI_BACKEND_CA;
  const appData = tempDir('app');
  open.driver = await startDriver({ LINLI_DATA_DIR: appData });
  let browser = await openApp();
  open.browser = browser;

  const title = await byId(browser, 'join-title');
  await title.waitForDisplayed({ timeout: 30000 });
  assert.equal(await title.getText(), '加入小区', 'a fresh app opens on 加入小区');
  await browser.pause(1500); // the first frame of a fresh WebKit window reaches X late
  screenshot(shots, '01-join');

  await typeJoinLink(browser, wrong.toString());
  const error = await byId(browser, 'error-message');
  await error.waitForDisplayed({ timeout: 20000 });
  assert.match(await error.getText(), /指纹不符/, 'a wrong pin is explained in the app\'s words');
  assert.equal(await (await byId(browser, 'join-found')).isExisting(), false, 'nothing to join');
  screenshot(shots, '02-wrong-pin');

  await typeJoinLink(browser, printed.link);
  const name = await byId(browser, 'join-community-name');
  await name.waitForDisplayed({ timeout: 20000 }).catch(async (err) => {
    screenshot(shots, '99-not-found');
    const shown = await (await byId(browser, 'join-link')).getValue();
    throw new Error(`${err.message}; the link field holds ${JSON.stringify(shown)}`);
  });
  assert.equal(await name.getText(), '翠湖花园', 'the backend describes the community');
  assert.equal(await (await byId(browser, 'join-pinned')).isDisplayed(), true, 'the pin was matched');
  screenshot(shots, '03-found');

  await (await byId(browser, 'join-submit')).click();
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 20000 });
  assert.match(await (await byId(browser, 'login-community')).getText(), /翠湖花园/, 'sign-in names the community joined');
  screenshot(shots, '04-sign-in');

  await signIn(browser);
  screenshot(shots, '05-home');

  // The choice is kept: the app opens on sign-in (here, signed in) after a restart.
  await browser.deleteSession();
  browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
  assert.equal(await (await byId(browser, 'join-title')).isExisting(), false, 'no 加入小区 after a restart');
});

test('a picture of a leaf-pinned join QR code, picked from a file, joins and signs in', async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  const server = open.server ?? (open.server = await startServer(tempDir('server')));
  const printed = joinLink(server, shots, { pin: 'leaf' });
  assert.equal(printed.pin_of, 'leaf', 'the pin names the server\'s own certificate');
  delete process.env.LINLI_BACKEND_URL;
  delete process.env.LINLI_BACKEND_CA;
  open.driver = await startDriver({ LINLI_DATA_DIR: tempDir('app') });
  const browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'join-mode-picture')).waitForDisplayed({ timeout: 30000 });
  await (await byId(browser, 'join-mode-picture')).click();
  // What the system file dialog hands the page: the PNG `join-link --qr` wrote.
  await (await byId(browser, 'join-picture-input')).setValue(printed.qr);
  const name = await byId(browser, 'join-community-name');
  await name.waitForDisplayed({ timeout: 20000 });
  assert.equal(await name.getText(), '翠湖花园', 'the core read the link in the picture');
  assert.equal(await (await byId(browser, 'join-pinned')).isDisplayed(), true, 'the leaf was matched');
  // The page as WebKit rendered it: this fresh window's first frames reach X late.
  await browser.saveScreenshot(join(shots, '06-qr-found.png'));
  await (await byId(browser, 'join-submit')).click();
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 20000 });
  // Signing in reaches home: every request after joining trusts exactly the pinned leaf.
  await signIn(browser);
  await browser.saveScreenshot(join(shots, '07-leaf-home.png'));
});
