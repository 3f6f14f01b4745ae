// Steps of a resident joining on their own, shared by the window tests: what the property
// prints (`linli-server join-link`), what the phone received (`linli-server sms-outbox`), and
// the screens a new resident goes through (加入小区, SMS code, binding a room).

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { byId, eventually, field } from './harness.mjs';

/** What `linli-server join-link --pin <pin>` prints for `community`, with its QR code written
 *  into `dir`. */
export function joinLink(server, dir, { community = '翠湖花园', pin = 'ca' } = {}) {
  mkdirSync(dir, { recursive: true });
  const out = execFileSync(
    process.env.LINLI_SERVER_BIN,
    ['join-link', '--data-dir', server.dataDir, '--community', community, '--url', server.url, '--pin', pin, '--qr', join(dir, `join-qr-${pin}.png`)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out);
}

/** The codes the backend's built-in sender kept for `phone` (what the phone received), oldest first. */
export function smsCodes(server, phone) {
  const out = execFileSync(process.env.LINLI_SERVER_BIN, ['sms-outbox', '--data-dir', server.dataDir, '--phone', phone], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).body.match(/\d{6}/)[0]);
}

/** The newest code sent to `phone`. */
export const lastSmsCode = (server, phone) => smsCodes(server, phone).at(-1);

/** On 加入小区: replaces the link field's text with `link` and asks for the community. */
export async function typeJoinLink(browser, link) {
  const box = await byId(browser, 'join-link');
  await box.waitForDisplayed({ timeout: 30000 });
  // Select all and delete, as a resident replacing the text would (WebDriver's clear does
  // not reach Vue's model in WebKit, so the next text would be added to the old).
  await box.click();
  await browser.keys(['Control', 'a']);
  await browser.keys(['Backspace']);
  await box.addValue(link);
  await (await byId(browser, 'join-preview')).click();
}

/** On 加入小区: joins through `link` and waits for the sign-in screen. */
export async function joinByLink(browser, link) {
  await typeJoinLink(browser, link);
  await (await byId(browser, 'join-community-name')).waitForDisplayed({ timeout: 20000 });
  await (await byId(browser, 'join-submit')).click();
  await (await byId(browser, 'login-submit')).waitForDisplayed({ timeout: 20000 });
}

/** On sign-in: asks for a code for `phone`, types the one the phone received, and signs in;
 *  waits for `landing` (the Home element a signed-in resident first sees). */
export async function signInByCode(browser, server, phone, landing = 'home-community') {
  const send = await byId(browser, 'login-send-code');
  await send.waitForDisplayed({ timeout: 30000 });
  await (await field(browser, 'login-phone')).setValue(phone);
  await send.click();
  await (await byId(browser, 'login-code-sent')).waitForDisplayed({ timeout: 20000 });
  await (await field(browser, 'login-code')).setValue(lastSmsCode(server, phone));
  await (await byId(browser, 'login-submit')).click();
  await (await byId(browser, landing)).waitForDisplayed({ timeout: 30000 });
}

/** The room picker on screen (a view left earlier may leave its hidden picker in the page). */
async function shownPicker(browser) {
  for (const picker of await browser.$$('[data-testid="bind-cascader"]')) {
    if (await picker.isDisplayed()) return picker;
  }
  return null;
}

/** In the room picker: chooses the option of the cascader's current level whose text starts
 *  with `text`, once that level has loaded: clicked until it shows as chosen (or, on the last
 *  level, until the picker closes), so a click the sliding panel swallowed is made again. */
async function pick(browser, text) {
  const named = async (option) => String(await option.getProperty('textContent')).trim().startsWith(text);
  let clicked = false;
  await eventually(`the option ${text}`, async () => {
    const picker = await shownPicker(browser);
    if (!picker) return clicked;
    for (const option of await picker.$$('.van-cascader__option--selected')) {
      if (await named(option)) return true;
    }
    for (const option of await picker.$$('[role="tabpanel"][aria-hidden="false"] .van-cascader__option')) {
      if (!(await named(option))) continue;
      await option.click().catch(() => {});
      clicked = true;
      return false;
    }
    return false;
  }).catch(async (err) => {
    // What the resident would see: the picker's levels and any message shown.
    const shown = await browser.execute(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 600));
    throw new Error(`${err.message}; the window shows: ${shown}`);
  });
}

/** On the bind view: picks community → building → entrance → room from the backend's directory. */
export async function chooseRoom(browser, community, building, entrance, room) {
  // Tapped until the picker shows: a tap while a toast fades may not reach the row.
  await eventually('the room picker', async () => {
    if (await shownPicker(browser)) return true;
    await (await byId(browser, 'bind-room')).click().catch(() => {});
    return false;
  });
  for (const level of [community, building, entrance, room]) await pick(browser, level);
  await (await byId(browser, 'bind-hint')).waitForDisplayed({ timeout: 20000 });
  // The picker has closed (its overlay gone) before anything else is typed or shown.
  await eventually('the room picker to close', async () => !(await shownPicker(browser)));
}
