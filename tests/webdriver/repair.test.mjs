// A repair report in the real window (issue: repairs and complaints with photos): written with
// three photos while the backend is down, shown as waiting to be sent, sent when it is back
// (photos first, then the report, each once), completed by the service desk's command line,
// confirmed as rated by the resident. The backend agrees, and what it stored carries no GPS
// or device tags. The resident's first photo is a real phone JPEG held sideways
// (tests/fixtures/photos/orientation-6.jpg: GPS, make, model, serial numbers, a thumbnail,
// XMP); what the backend stored of it has none of them and shows the picture upright. The
// third is an iPhone-style HEIC (turned by its container's irot, EXIF with GPS and a device
// name: crates/core/src/photo/fixtures): picked like any photo, stored as an upright JPEG.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, startDriver, openApp, screenshot, eventually, device, tempDir, byId, signIn } from './lib/harness.mjs';
import { startNotificationService } from './lib/notifications.mjs';

const PHONE = '13800000001';
const PASSWORD = 'demo1234';
const shots = join(process.env.LINLI_ARTIFACTS ?? tempDir('artifacts'), 'repair');
const icons = join(import.meta.dirname, '../../icons');
const sideways = join(import.meta.dirname, '../fixtures/photos/orientation-6.jpg');
const heic = join(import.meta.dirname, '../../crates/core/src/photo/fixtures/irot90-exif-gps.heic');
/** The tags a phone puts in that must not leave the device (exiftool names). */
const PHONE_TAGS = ['GPSLatitude', 'GPSLongitude', 'Make', 'Model', 'SerialNumber', 'LensSerialNumber', 'ThumbnailImage', 'Orientation'];
/** The fixtures' upright picture, quadrant by quadrant (tests/fixtures/photos/README.md). */
const QUADRANTS = [
  ['top left red', [220, 40, 40]],
  ['top right green', [40, 200, 60]],
  ['bottom left blue', [40, 60, 220]],
  ['bottom right yellow', [230, 210, 40]],
];

const open = { browser: null, driver: null, server: null, notifications: null };
after(async () => {
  open.notifications?.stop();
  await open.browser?.deleteSession().catch(() => {});
  await open.driver?.stop().catch(() => {});
  await open.server?.stop().catch(() => {});
});

function staff(server, ...args) {
  execFileSync(process.env.LINLI_SERVER_BIN, ['staff', '--data-dir', server.dataDir, 'latest', ...args], { encoding: 'utf8' });
}

/** A phone's after-photo: a JPEG that says where it was taken, by which phone, held sideways. */
function phonePhoto() {
  const file = join(tempDir('staff'), 'after.jpg');
  execFileSync('convert', [join(icons, 'icon.png'), '-resize', '640x480!', '-background', 'white', '-flatten', file]);
  execFileSync('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=30.2741', '-GPSLatitudeRef=N', '-GPSLongitude=120.1551', '-GPSLongitudeRef=E', '-Make=Xiaomi', '-Model=Redmi Note 13', '-Orientation#=6', file]);
  assert.match(execFileSync('exiftool', ['-s', '-GPSLatitude', file], { encoding: 'utf8' }), /GPSLatitude/, 'the input carries GPS, or this proves nothing');
  return file;
}

/** The phone tags exiftool finds in a file: { 'group:tag': value }. */
function phoneTags(file) {
  const args = ['-j', '-a', '-G1', ...PHONE_TAGS.map((t) => `-${t}`), '-XMP:all', file];
  const [found] = JSON.parse(execFileSync('exiftool', args, { encoding: 'utf8' }));
  delete found.SourceFile;
  return found;
}

/** How a stored JPEG differs from the upright picture (landscape 4:3, each quadrant's mean
 *  colour in its middle half), one line each; decoded to PPM by ImageMagick. */
function turns(file) {
  const ppm = execFileSync('convert', [file, '-depth', '8', 'ppm:-'], { maxBuffer: 64 << 20 });
  const header = ppm.subarray(0, 64).toString('latin1').match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  assert.ok(header, 'ImageMagick gives a binary PPM');
  const [w, h] = [Number(header[1]), Number(header[2])];
  const pixels = ppm.subarray(header[0].length);
  const out = [];
  if (!(w > h && Math.abs(w * 3 - h * 4) <= 8)) out.push(`${w}×${h}, not landscape 4:3`);
  QUADRANTS.forEach(([name, colour], q) => {
    const [x0, y0] = [(q % 2) * Math.floor(w / 2) + Math.floor(w / 8), Math.floor(q / 2) * Math.floor(h / 2) + Math.floor(h / 8)];
    const [qw, qh] = [Math.floor(w / 4), Math.floor(h / 4)];
    const sum = [0, 0, 0];
    for (let y = y0; y < y0 + qh; y++) {
      for (let x = x0; x < x0 + qw; x++) {
        for (let c = 0; c < 3; c++) sum[c] += pixels[(y * w + x) * 3 + c];
      }
    }
    const mean = sum.map((v) => Math.round(v / (qw * qh)));
    if (!mean.every((m, c) => Math.abs(m - colour[c]) <= 24)) out.push(`the ${name} quadrant is ${mean}, not ${colour}`);
  });
  return out;
}

test('a repair written offline with three photos (one HEIC) is sent once, completed by staff and rated', async () => {
  const notifications = await startNotificationService();
  open.notifications = notifications;
  let server = await startServer(tempDir('server'));
  open.server = server;
  open.driver = await startDriver({
    LINLI_BACKEND_URL: server.url,
    LINLI_BACKEND_CA: server.ca,
    LINLI_DATA_DIR: tempDir('app'),
  });
  const browser = await openApp();
  open.browser = browser;
  await signIn(browser, PHONE, PASSWORD);

  // The backend goes away; the resident writes the report anyway.
  await server.stop();
  await (await byId(browser, 'service-repair')).click();
  await (await byId(browser, 'ticket-new')).waitForDisplayed({ timeout: 10000 });
  await (await byId(browser, 'ticket-new')).click();
  await (await byId(browser, 'ticket-category-pipes')).click();
  const description = await (await byId(browser, 'ticket-description')).$('textarea');
  await description.waitForExist({ timeout: 10000 });
  await description.setValue('厨房水槽下方水管漏水，地面有积水');
  const input = await byId(browser, 'ticket-photo-input');
  const carried = phoneTags(sideways);
  assert.deepEqual(
    PHONE_TAGS.filter((t) => !Object.keys(carried).some((k) => k.endsWith(`:${t}`))),
    [],
    `the phone's photo carries every tag, or this proves nothing: ${JSON.stringify(carried)}`,
  );
  assert.ok(['XMP-tiff:Make', 'XMP-aux:SerialNumber'].every((k) => k in carried), `and XMP: ${JSON.stringify(carried)}`);
  assert.ok(turns(sideways).length > 0, "its stored pixels are sideways, or this proves nothing");
  await input.addValue(sideways);
  await eventually('the first photo is prepared', async () => (await browser.$$('[data-testid="ticket-photo"][data-state="ready"]')).length === 1);
  await (await byId(browser, 'ticket-photo-input')).addValue(join(icons, '128x128@2x.png'));
  await eventually('both photos are prepared', async () => (await browser.$$('[data-testid="ticket-photo"][data-state="ready"]')).length === 2);
  await (await byId(browser, 'ticket-photo-input')).addValue(heic);
  await eventually('the HEIC photo is prepared too', async () => (await browser.$$('[data-testid="ticket-photo"][data-state="ready"]')).length === 3);
  screenshot(shots, '01-report');
  await (await byId(browser, 'ticket-submit')).click();
  const state = await byId(browser, 'ticket-state');
  await state.waitForDisplayed({ timeout: 10000 });
  assert.equal(await state.getAttribute('data-state'), 'pending', 'kept on the device, waiting to be sent');
  screenshot(shots, '02-pending');

  // The backend comes back on the same address.
  server = await startServer(server.dataDir, server.addr);
  open.server = server;
  await browser.back();
  await eventually(
    'the report is sent',
    async () => {
      const now = await browser.$('[data-testid="tickets-send-now"]');
      if (await now.isExisting()) await now.click().catch(() => {});
      const item = await byId(browser, 'ticket-item');
      return (await item.getAttribute('data-state')) === 'submitted';
    },
    60000,
  );
  screenshot(shots, '03-submitted');

  // The service desk works on it from a terminal.
  staff(server, 'accept');
  staff(server, 'assign', '王师傅（水电工）');
  staff(server, 'start');
  staff(server, 'complete', '已更换水槽下方的软管，试水正常', '--photo', phonePhoto());
  await (await byId(browser, 'ticket-item')).click();
  await eventually('the resident sees it completed', async () => (await (await byId(browser, 'ticket-state')).getAttribute('data-state')) === 'completed', 30000);
  // The staff after-photo shows on the completion step, upright (the phone held it sideways).
  await eventually('the after-photo shows', async () => {
    const img = await browser.$('[data-testid="ticket-event"][data-action="completed"] [data-testid="ticket-photo-shown"] img');
    if (!(await img.isExisting())) return false;
    const [w, h] = await browser.execute((el) => [el.naturalWidth, el.naturalHeight], img);
    return w > 0 && h > w;
  });
  assert.equal((await browser.$$('.head [data-testid="ticket-photo-shown"]')).length, 3, "the resident's three photos, from the backend now");
  screenshot(shots, '04-completed');
  // Told once per step, never twice: one line each, or one summary when several came at once.
  await eventually('a desktop notification', async () => notifications.shown.length > 0);
  const staffSteps = 4;
  assert.ok(notifications.shown.length <= staffSteps, `no flood: ${JSON.stringify(notifications.shown)}`);
  const last = notifications.shown.at(-1);
  assert.match(last.body, /已处理完成|条新进展/, JSON.stringify(last));
  const before = notifications.shown.length;
  staff(server, 'comment', '如果再漏水请随时联系我们');
  await browser.back();
  await (await byId(browser, 'ticket-item')).click();
  await eventually('the comment is announced', async () => notifications.shown.length > before);
  assert.equal(notifications.shown.length, before + 1, 'one comment, one notification');
  assert.match(notifications.shown.at(-1).summary, /^报修 BX\d{12}$/);
  assert.equal(notifications.shown.at(-1).body, '李娜（客服）：如果再漏水请随时联系我们');
  await (await byId(browser, 'ticket-rate-submit')).click();
  await eventually('rated and closed', async () => (await (await byId(browser, 'ticket-state')).getAttribute('data-state')) === 'closed', 20000);
  screenshot(shots, '05-rated');

  const phone = device(server);
  await phone.signIn(PHONE, PASSWORD);
  const list = (await phone.get('/v1/tickets')).body.items;
  assert.equal(list.length, 1, 'the report exists once');
  assert.equal(list[0].attachment_ids.length, 3, 'with all three photos');
  assert.equal(list[0].state, 'closed');
  assert.equal(list[0].rating.overall, 5);
  const actions = list[0].events.map((e) => e.action);
  assert.deepEqual(actions, ['created', 'accepted', 'assigned', 'started', 'completed', 'comment', 'rated']);
  const afterPhotos = list[0].events.find((e) => e.action === 'completed').attachment_ids;
  assert.equal(afterPhotos.length, 1, 'the after-photo is on the completion step');
  // The phone's photo (the first one added) as the backend stored it: nothing of the phone,
  // and upright by its content, not only by its width and height.
  const phonePhotoStored = join(server.dataDir, 'uploads', list[0].attachment_ids[0]);
  assert.deepEqual(phoneTags(phonePhotoStored), {}, 'no GPS, device, serial, thumbnail, orientation or XMP left the device');
  assert.deepEqual(turns(phonePhotoStored), [], 'the sideways phone photo is stored upright');
  // The HEIC (the third added) as a JPEG, turned once by its irot: portrait 48×64.
  const heicStored = join(server.dataDir, 'uploads', list[0].attachment_ids[2]);
  assert.equal(execFileSync('identify', ['-format', '%m %wx%h', heicStored], { encoding: 'utf8' }), 'JPEG 48x64', 'the HEIC is stored as an upright JPEG');
  for (const id of [...list[0].attachment_ids, ...afterPhotos]) {
    const tags = execFileSync('exiftool', ['-s', '-GPS:all', '-Make', '-Model', '-SerialNumber', join(server.dataDir, 'uploads', id)], { encoding: 'utf8' });
    assert.equal(tags.trim(), '', `no GPS or device tags in what the server stored: ${tags}`);
  }
});
