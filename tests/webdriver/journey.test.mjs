// A resident's whole way in and out, in the real window (issue 10, done when): a fresh app
// with nothing in its environment joins by the link the property prints, signs a new number
// in by the SMS code it received, binds 1栋1单元801 as its owner by the recorded name (陈静),
// and invites a family member by phone. With a second data folder (the family member's own
// device) the invited number joins, signs in by its code, accepts, reports a repair and
// books a visitor pass, which the gate (linli-gate, offline after its sync) lets in. The
// owner removes the family member in 我的; after its next sync the gate refuses the same
// pass, and when the family member's app syncs, the home has vanished from it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, startDriver, openApp, screenshot, eventually, tempDir, byId, field, addGate, decodeQr, settled } from './lib/harness.mjs';
import { chooseRoom, joinByLink, signInByCode } from './lib/joining.mjs';

const OWNER = '13900000101';
const FAMILY = '13900000102';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'journey');

const open = { browser: null, driver: null, server: null };
after(async () => {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

/** Opens the app on its own data folder, as a device of its own; nothing names a backend. */
async function openDevice(dataDir) {
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  delete process.env.LINLI_BACKEND_URL;
  delete process.env.LINLI_BACKEND_CA;
  open.driver = await startDriver({ LINLI_DATA_DIR: dataDir });
  open.browser = await openApp();
  return open.browser;
}

/** Runs the gate's command line on its own state folder; its answer and exit status. */
function gate(state, ...args) {
  const run = spawnSync(process.env.LINLI_GATE_BIN, ['--state', state, ...args], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, answer: run.stdout.trim(), stderr: run.stderr };
}

test('a resident joins, binds a room, invites family; the family member is removed and their pass stops working', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const { link } = JSON.parse(
    spawnSync(process.env.LINLI_SERVER_BIN, ['join-link', '--data-dir', server.dataDir, '--community', '翠湖花园', '--url', server.url], { encoding: 'utf8' }).stdout,
  );
  const ownerData = tempDir('owner-app');
  const familyData = tempDir('family-app');

  // The owner's fresh app: 加入小区 → SMS code → a home of their own.
  let browser = await openDevice(ownerData);
  await (await byId(browser, 'join-title')).waitForDisplayed({ timeout: 30000 });
  await joinByLink(browser, link);
  await signInByCode(browser, server, OWNER, 'home-unbound');
  await (await byId(browser, 'home-bind')).click();
  await chooseRoom(browser, '翠湖花园', '1栋', '1单元', '801');
  assert.match(await (await byId(browser, 'bind-hint')).getText(), /陈\*/, 'the owner record is hinted, masked');
  await (await field(browser, 'bind-owner-name')).setValue('陈静');
  await (await byId(browser, 'bind-send')).click();
  const unit = await byId(browser, 'home-unit');
  await unit.waitForDisplayed({ timeout: 30000 });
  assert.equal(await unit.getText(), '1栋1单元801', 'the recorded name binds the room at once');
  await settled(browser);
  screenshot(shots, '01-owner-home');

  // The owner invites the family member's number from 我的.
  await (await byId(browser, 'tab-me')).click();
  await (await byId(browser, 'household-invite')).click();
  await (await field(browser, 'invite-phone')).setValue(FAMILY);
  await (await byId(browser, 'invite-role-family')).click();
  await settled(browser);
  screenshot(shots, '02-invite');
  await (await byId(browser, 'invite-send')).click();
  await (await byId(browser, 'invite-send')).waitForDisplayed({ reverse: true, timeout: 20000 });

  // The family member's own device: joins, signs in, accepts, reports a repair, books a pass.
  browser = await openDevice(familyData);
  await joinByLink(browser, link);
  await signInByCode(browser, server, FAMILY, 'home-unbound');
  const invitation = await byId(browser, 'invitation');
  await invitation.waitForDisplayed({ timeout: 30000 });
  assert.match(await invitation.getText(), /1栋1单元801/, 'the invitation names the home');
  await settled(browser);
  screenshot(shots, '03-invitation');
  await (await byId(browser, 'invitation-accept')).click();
  await eventually('the home is shown', async () => (await (await byId(browser, 'home-unit')).getText()) === '1栋1单元801');

  await (await byId(browser, 'service-repair')).click();
  await (await byId(browser, 'ticket-new')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'ticket-new')).click();
  await (await byId(browser, 'ticket-category-pipes')).click();
  const description = await (await byId(browser, 'ticket-description')).$('textarea');
  await description.waitForExist({ timeout: 10000 });
  await description.setValue('卫生间地漏返水，请师傅来看看');
  await (await byId(browser, 'ticket-submit')).click();
  const ticket = await byId(browser, 'ticket-state');
  await eventually('the repair reaches the property', async () => (await ticket.getAttribute('data-state')) === 'submitted');
  await settled(browser);
  screenshot(shots, '04-family-repair');

  await browser.execute(() => { location.hash = '#/home'; }); // the report's page has no tab bar
  await (await byId(browser, 'service-visitor')).click();
  await (await byId(browser, 'visitor-new')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'visitor-new')).click();
  await (await field(browser, 'visitor-name')).setValue('刘洋');
  await (await byId(browser, 'visitor-submit')).click();
  const qr = await byId(browser, 'pass-qr');
  await qr.waitForDisplayed({ timeout: 30000 });
  await eventually('the pass is issued', async () => (await (await byId(browser, 'pass-state')).getAttribute('data-state')) === 'active');
  const payload = decodeQr(Buffer.from((await qr.getAttribute('src')).split(',')[1], 'base64'));
  await settled(browser);
  screenshot(shots, '05-family-pass');

  // The east gate syncs once; offline from then on, it lets the visitor in.
  const gateState = tempDir('gate');
  const enrolled = addGate(server, '翠湖花园', '东门人行道闸');
  assert.equal(gate(gateState, 'enrol', '--server', server.url, '--ca', server.ca, '--token', enrolled.token).status, 0, 'the gate is enrolled');
  assert.equal(gate(gateState, 'sync').status, 0, 'the gate fetched keys and revocations');
  const before = gate(gateState, 'scan', payload);
  assert.equal(before.status, 0, `the gate opens for the family member's visitor: ${before.answer} ${before.stderr}`);

  // The owner removes the family member in 我的.
  browser = await openDevice(ownerData);
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
  await (await byId(browser, 'tab-me')).click();
  const member = await eventually('the family member in 家庭成员', async () => {
    for (const row of await browser.$$('[data-testid="home-member"]')) {
      if (/139\*\*\*\*0102/.test(await row.getText())) return row;
    }
    return false;
  });
  assert.match(await member.getText(), /家属/, 'listed as family');
  await (await byId(browser, 'home-members')).scrollIntoView();
  await settled(browser);
  screenshot(shots, '06-owner-members');
  await (await member.$('[data-testid="home-member-remove"]')).click();
  const confirm = await byId(browser, 'home-member-remove-confirm');
  await confirm.waitForDisplayed({ timeout: 10000 });
  await confirm.click();
  await eventually('the family member gone from 家庭成员', async () => {
    const texts = [];
    for (const row of await browser.$$('[data-testid="home-member"]')) texts.push(await row.getText());
    return texts.length > 0 && !texts.some((text) => /139\*\*\*\*0102/.test(text));
  });

  // The gate learns it at its next sync, and refuses the pass from then on, offline.
  assert.equal(gate(gateState, 'sync').status, 0, 'the gate synced again');
  const afterRemoval = gate(gateState, 'scan', payload);
  assert.equal(afterRemoval.status, 3, `the gate stays closed: ${afterRemoval.answer}`);
  assert.match(afterRemoval.answer, /revoked/, 'because the pass was revoked with the membership');

  // The family member's app: after its sync, the home is gone from it.
  browser = await openDevice(familyData);
  await (await byId(browser, 'home-unbound')).waitForDisplayed({ timeout: 60000 });
  assert.equal(await (await byId(browser, 'home-unit')).isExisting(), false, 'no home is shown');
  assert.equal(await (await byId(browser, 'service-repair')).isExisting(), false, 'and no services of it');
  await settled(browser);
  screenshot(shots, '07-family-after-removal');
});
