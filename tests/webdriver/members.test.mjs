// The owner manages the home's members in the real window (issue 10, parts 4 and 6): 王芳
// invites a new number as family (from her other device); that number registers by the SMS
// code it received and accepts; in the window 王芳 finds them under 家庭成员 on 我的, removes
// them after the question, and the backend has ended their membership.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { lastSmsCode } from './lib/joining.mjs';
import { startServer, startDriver, openApp, screenshot, device, tempDir, byId, signIn, settled } from './lib/harness.mjs';

const OWNER = '13800000001'; // 王芳, owner of 翠湖花园 3栋2单元1502
const PASSWORD = 'demo1234';
const FAMILY = '13900000077';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'members');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

test('the owner sees the home’s members in Me and removes one', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;

  // 王芳's other device invites the new number as family.
  const owner = device(server);
  await owner.signIn(OWNER, PASSWORD);
  const home = (await owner.get('/v1/me')).body.memberships.find((m) => m.role === 'owner');
  assert.ok(home.allowed.includes('manage_members'), 'the backend lets the owner manage members');
  const invited = await owner.post(`/v1/memberships/${home.id}/invitations`, { phone: FAMILY, role: 'family' }, { 'idempotency-key': `"${randomUUID()}"` });
  assert.equal(invited.status, 201, `invited: ${JSON.stringify(invited.body)}`);

  // The invitee registers by the code it received and accepts.
  const family = device(server);
  assert.equal((await family.post('/v1/auth/sms-codes', { phone: FAMILY })).status, 202, 'a code is sent');
  const signedIn = await family.post('/v1/auth/sms-login', { phone: FAMILY, code: lastSmsCode(server, FAMILY) });
  assert.equal(signedIn.status, 200, 'the code signs the new number in');
  family.useToken(signedIn.body.access_token);
  const joined = await family.post(`/v1/invitations/${invited.body.id}/accept`);
  assert.equal(joined.status, 200, 'the invitation is accepted');
  const member = joined.body.id;

  // The window: 王芳 signs in; 我的 lists the home's members.
  open.driver = await startDriver({ LINLI_BACKEND_URL: server.url, LINLI_BACKEND_CA: server.ca, LINLI_DATA_DIR: tempDir('app') });
  const browser = await openApp();
  open.browser = browser;
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 30000 });
  await signIn(browser, OWNER, PASSWORD);
  await (await byId(browser, 'tab-me')).click();
  const row = await browser.$(`[data-testid="home-member"][data-membership-id="${member}"]`);
  await row.waitForDisplayed({ timeout: 20000 });
  assert.match(await row.getText(), /家属/, 'the new member is listed as family');
  assert.match(await row.getText(), /139\*\*\*\*0077/, 'with the phone masked');
  const mine = await browser.$(`[data-testid="home-member"][data-membership-id="${home.id}"]`);
  assert.match(await mine.getText(), /王芳（我）/, 'the owner sees herself in full');
  assert.equal(await (await mine.$('[data-testid="home-member-remove"]')).isExisting(), false, 'no removing oneself');
  await (await byId(browser, 'home-members')).scrollIntoView();
  await settled(browser);
  screenshot(shots, '01-me-members');

  // Removing asks first; then the member is gone here and on the backend.
  await (await browser.$(`[data-testid="home-member-remove"][data-membership-id="${member}"]`)).click();
  const confirm = await byId(browser, 'home-member-remove-confirm');
  await confirm.waitForDisplayed({ timeout: 10000 });
  await settled(browser);
  screenshot(shots, '02-remove-asked');
  await confirm.click();
  await row.waitForExist({ reverse: true, timeout: 20000 });
  await confirm.waitForDisplayed({ reverse: true, timeout: 10000 });
  await settled(browser);
  screenshot(shots, '03-removed');
  const after = await family.get('/v1/me');
  const ended = after.body.memberships.find((m) => m.id === member);
  assert.equal(ended?.state, 'ended', 'the backend ended the removed member’s home');
  assert.deepEqual(ended?.allowed, [], 'which allows them nothing now');
});
