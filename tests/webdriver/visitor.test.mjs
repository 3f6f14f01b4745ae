// Visitor passes in the real window (issue: visitor passes the gate can verify offline): a
// resident invites a visitor, sees the QR and the short code, shares the pass as a saved
// picture, a copied picture and copied text (each checked outside the app: the QR in the
// picture decodes to the issued credential), sees a gate's entry, revokes the pass and sees
// it revoked; the backend agrees.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  startServer,
  startDriver,
  openApp,
  screenshot,
  eventually,
  device,
  tempDir,
  byId,
  field,
  addGate,
  clipboard,
  decodeQr,
  signIn,
} from './lib/harness.mjs';

const PHONE = '13800000001';
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'visitor');


const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/** Opens the share sheet and picks `action`. */
async function share(browser, action) {
  await (await byId(browser, 'pass-share')).click();
  const item = await byId(browser, action);
  await item.waitForDisplayed({ timeout: 10000 });
  await item.click();
}

test('resident invites a visitor, shares the pass, sees an entry, and revokes it', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const pictures = tempDir('pictures');
  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
    LINLI_PICTURES_DIR: pictures,
  });
  const browser = await openApp();
  open.browser = browser;

  await signIn(browser, PHONE, PASSWORD);

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

  const phone2 = device(server);
  await phone2.signIn(PHONE, PASSWORD);
  const issued = (await phone2.get('/v1/passes')).body.items[0];
  assert.equal(issued.short_code, code, 'the app shows the code the backend issued');

  // Save the share card: a real PNG in the pictures folder whose QR is the credential.
  await share(browser, 'share-save');
  const saved = await eventually('the card is saved', () => readdirSync(pictures).filter((n) => n.endsWith('.png')).length === 1 && readdirSync(pictures));
  assert.match(saved[0], /刘洋/, 'the file says who the pass is for');
  assert.equal(decodeQr(readFileSync(join(pictures, saved[0]))), issued.credential.payload, 'the saved card scans as the issued credential');
  screenshot(shots, '03-pass-saved');

  // Copy the card as a picture, then the details as text: read back with xclip.
  await share(browser, 'share-copy-picture');
  const copied = await eventually('the picture is on the clipboard', () => {
    const png = clipboard('image/png');
    return png.length > 1000 && png;
  });
  assert.equal(decodeQr(copied), issued.credential.payload, 'the copied picture scans as the credential');
  await share(browser, 'share-copy-text');
  const text = await eventually('the text is on the clipboard', () => {
    const value = clipboard().toString('utf8');
    return value.includes('刘洋') && value;
  });
  assert.ok(text.includes(code), `the visitor gets the code to tell the guard: ${text}`);
  assert.ok(!text.includes('VP1:'), 'the text is for people; the credential travels in the picture');

  // A gate lets the visitor in and reports it; opening the pass again shows the entry.
  const gate = addGate(server, '翠湖花园', '东门人行道闸');
  const gateDevice = device(server);
  gateDevice.useToken(gate.token);
  const posted = await gateDevice.post('/v1/gate/entries', { entries: [{ id: randomUUID(), pass_id: issued.id, at: new Date().toISOString() }] });
  assert.equal(posted.status, 200, 'the gate uploaded its entry');
  assert.deepEqual(posted.body, { counted: 1, refused: [] }, 'the backend counted the entry: the pass opens this gate, now, with entries left');
  await browser.back();
  await (await byId(browser, 'pass-item')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'pass-item')).click();
  await eventually('the entry shows', async () => (await (await byId(browser, 'pass-entries')).getText()).includes('东门人行道闸'));
  screenshot(shots, '04-pass-entry');

  await (await byId(browser, 'pass-revoke')).click();
  const confirm = await byId(browser, 'pass-revoke-confirm');
  await confirm.waitForDisplayed({ timeout: 10000 });
  await confirm.click();
  await eventually('the pass shows revoked', async () => (await state.getAttribute('data-state')) === 'revoked');
  screenshot(shots, '05-pass-revoked');

  const list = (await phone2.get('/v1/passes')).body;
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].state, 'revoked', 'the backend revoked it for the gates');
  assert.equal(list.items[0].short_code, code);
});
