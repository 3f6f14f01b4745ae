// The app as installed from its .deb (issue 13, part 4): `cargo xtask test` installs the
// package with dpkg and sets LINLI_APP_BIN to the binary its desktop entry's Exec names (so
// /usr/bin/linli-app, not the build in target/). Started through tauri-driver under Xvfb like
// every window test, a fresh install opens on its first screen, 加入小区: the embedded UI, the
// WebKitGTK it depends on and the keyring session all work from the installed files.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDriver, openApp, screenshot, settled, tempDir, byId } from './lib/harness.mjs';

const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'package');

const open = { browser: null, driver: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
});

test('the installed package starts from its desktop entry and shows its first screen', async () => {
  const app = process.env.LINLI_APP_BIN;
  assert.ok(app && !app.includes('/target/'), `the installed binary, not a build in target/: ${app}`);
  // A fresh install knows no backend: nothing in its environment names one.
  delete process.env.LINLI_BACKEND_URL;
  delete process.env.LINLI_BACKEND_CA;
  open.driver = await startDriver({ LINLI_DATA_DIR: tempDir('package-app') });
  const browser = await openApp();
  open.browser = browser;

  const title = await byId(browser, 'join-title');
  await title.waitForDisplayed({ timeout: 30000 });
  assert.equal(await title.getText(), '加入小区', 'a fresh install opens on 加入小区');
  // The window that shows it is the installed binary (found by its executable).
  assert.ok(open.driver.appPid() > 0, 'one installed app runs under tauri-driver');
  await settled(browser);
  console.log(`screenshot: ${screenshot(shots, '01-installed-first-screen')}`);
});
