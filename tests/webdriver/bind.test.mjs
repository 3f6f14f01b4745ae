// Binding a home in the real window (issue 10, part 3): a number registered by SMS code picks
// 翠湖花园 → 1栋 → 1单元 → a room from the backend's directory. A name that does not match the
// property's owner record leaves the request pending, with its state shown; the owner's
// name as recorded (陈静 for 801) binds the room at once, and Home shows it. Then 李强, on a
// device of his own, asks to join 801 as family: the new owner's app shows the request after
// its next sync, she approves it in the window, and he is a member.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chooseRoom as chooseSharedRoom, lastSmsCode } from './lib/joining.mjs';
import { startServer, startDriver, openApp, screenshot, eventually, tempDir, byId, field, device } from './lib/harness.mjs';

const NEW_PHONE = '13900000088';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'bind');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

const chooseRoom = (browser, room) => chooseSharedRoom(browser, '翠湖花园', '1栋', '1单元', room);

test('a new number binds a room as its owner by the recorded name; a wrong name waits for the desk', async () => {
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
  await (await field(browser, 'login-code')).setValue(lastSmsCode(server, NEW_PHONE));
  await (await byId(browser, 'login-submit')).click();
  await (await byId(browser, 'home-unbound')).waitForDisplayed({ timeout: 30000 });
  await (await byId(browser, 'home-bind')).click();

  // 802's record is 赵敏: another name is not bound, it waits for the property office.
  await chooseRoom(browser, '802');
  assert.match(await (await byId(browser, 'bind-hint')).getText(), /赵\*/, 'the record is hinted, masked');
  await (await field(browser, 'bind-owner-name')).setValue('赵明');
  await (await byId(browser, 'bind-send')).waitForEnabled({ timeout: 20000 });
  screenshot(shots, '01-bind-view');
  await (await byId(browser, 'bind-send')).click();
  const state = await byId(browser, 'my-request-state');
  await state.waitForDisplayed({ timeout: 30000 });
  assert.match(await state.getText(), /等待物业审核/, 'pending, for the desk');
  await (await byId(browser, 'bind-room')).waitForExist({ reverse: true, timeout: 20000 });
  screenshot(shots, '02-pending-for-the-desk');

  // 801's record is 陈静: the same name binds it at once.
  await (await byId(browser, 'requests-bind')).click();
  await chooseRoom(browser, '801');
  assert.match(await (await byId(browser, 'bind-hint')).getText(), /陈\*/);
  await (await field(browser, 'bind-owner-name')).setValue('陈静');
  await (await byId(browser, 'bind-send')).click();
  const unit = await byId(browser, 'home-unit');
  await unit.waitForDisplayed({ timeout: 30000 });
  assert.equal(await unit.getText(), '1栋1单元801', 'Home shows the bound room');
  assert.match(await (await byId(browser, 'home-community')).getText(), /翠湖花园/);
  await eventually('the pending request on Home', async () => (await byId(browser, 'home-request')).isDisplayed());
  screenshot(shots, '03-home-bound');

  // 李强 asks, from his own device, to join 801 as family: it waits for its owner.
  const li = device(server);
  await li.signIn('13800000002', 'demo1234');
  const asked = await li.postOnce('/v1/home-requests', { unit_id: await unitOf801(li), relation: 'family' });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  assert.equal(asked.body.waits_for, 'owner');
  // The app's background sync (every 30 s) brings it to Home.
  const decide = await byId(browser, 'home-decide');
  await decide.waitForDisplayed({ timeout: 90000 });
  await decide.click();
  const approve = await byId(browser, 'decide-approve');
  await approve.waitForDisplayed({ timeout: 20000 });
  assert.match(await (await byId(browser, 'decide-request')).getText(), /李强/, 'who asks');
  screenshot(shots, '04-owner-decides');
  await approve.click();
  await (await byId(browser, 'decide-request')).waitForExist({ reverse: true, timeout: 20000 });
  const me = await li.get('/v1/me');
  assert.ok(
    me.body.memberships.some((m) => m.unit.room === '801' && m.role === 'family' && m.state === 'active'),
    'the owner\'s approval made him a member',
  );
});

/** 801's unit id, from the directory as any resident walks it. */
async function unitOf801(resident) {
  const communities = await resident.get('/v1/communities');
  const cuihu = communities.body.items.find((c) => c.name === '翠湖花园');
  const rooms = await resident.get(`/v1/communities/${cuihu.id}/rooms?building=${encodeURIComponent('1栋')}&entrance=${encodeURIComponent('1单元')}`);
  return rooms.body.items.find((r) => r.unit.room === '801').unit.id;
}
