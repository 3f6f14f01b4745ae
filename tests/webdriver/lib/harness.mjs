// Harness for the real-window scenarios: a real linli-server over HTTPS, tauri-driver in front
// of WebKitWebDriver, the real app binary, screenshots of the real X display, and a second
// "device" that talks to the server directly. Processes started here are killed on exit.

import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, readdirSync, readlinkSync, realpathSync, mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { remote } from 'webdriverio';

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`cargo xtask test\``);
  return value;
}

/** The element marked `data-testid="id"`. */
export const byId = (browser, id) => browser.$(`[data-testid="${id}"]`);

/** The text input marked `id`: the element itself, or the input inside a Vant field. */
export async function field(browser, id) {
  const el = await byId(browser, id);
  await el.waitForExist({ timeout: 20000 });
  if ((await el.getTagName()).toLowerCase() === 'input') return el;
  return el.$('input');
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `linli-${prefix}-`));
}

/** Signs in as `phone` in the app window and waits for the home screen. */
export async function signIn(browser, phone = '13800000001', password = 'demo1234') {
  await (await field(browser, 'login-phone')).setValue(phone);
  await (await byId(browser, 'login-mode-password')).click();
  await (await field(browser, 'login-password')).setValue(password);
  await (await byId(browser, 'login-submit')).click();
  await (await byId(browser, 'home-community')).waitForDisplayed({ timeout: 30000 });
}

/** Starts linli-server with demo data; `addr` 127.0.0.1:0 picks a free port. */
export async function startServer(dataDir, addr = '127.0.0.1:0') {
  const child = spawn(env('LINLI_SERVER_BIN'), ['serve', '--data-dir', dataDir, '--addr', addr, '--demo'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`linli-server exited (${code}) before announcing its address`)));
  });
  const { url, ca } = JSON.parse(line);
  return {
    url,
    ca,
    dataDir,
    addr: new URL(url).host,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

async function waitForPort(port, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The parent pid and state letter of process `pid` from /proc, or null once it is gone. */
function procStat(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": the name may hold spaces and parentheses, so read after the last ')'.
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid) };
}

/** Whether `pid` still runs (a zombie waiting to be reaped has ended). */
export function alive(pid) {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every running process below `root` (children, their children, …), from /proc. */
function descendants(root) {
  const byParent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(name);
    if (!stat || !alive(name)) continue;
    if (!byParent.has(stat.ppid)) byParent.set(stat.ppid, []);
    byParent.get(stat.ppid).push(Number(name));
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The executable `pid` runs, or null when it cannot be read (gone, or not ours). */
function exeOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** A stray process under the app's own name (an idle node behind a symlink named like the
 *  app binary): what a kill by name would hit as well. Killed on exit like the others. */
export async function startStrayNamedLikeTheApp() {
  const name = basename(env('LINLI_APP_BIN'));
  const path = join(tempDir('stray'), name);
  symlinkSync(process.execPath, path);
  const child = spawn(path, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  children.add(child);
  // The kernel names a process after the file it executes: the symlink's name, not node's.
  await eventually(`the stray process to run as ${name}`, () => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === name.slice(0, 15));
  return child;
}

/** Starts tauri-driver; the app it launches inherits `appEnv`. */
export async function startDriver(appEnv) {
  const child = spawn(env('TAURI_DRIVER'), [], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...appEnv },
  });
  children.add(child);
  await waitForPort(4444);
  /** The pid of the one app window this driver started (tauri-driver → WebKitWebDriver →
   *  the app): found among this driver's own descendants by its executable, never by a name
   *  that a stray process or another test's app could share. */
  const appPid = () => {
    const app = realpathSync(env('LINLI_APP_BIN'));
    const apps = descendants(child.pid).filter((pid) => exeOf(pid) === app);
    if (apps.length !== 1) throw new Error(`expected one app under tauri-driver (pid ${child.pid}), found ${apps.length}: ${apps.join(', ')}`);
    return apps[0];
  };
  return {
    appPid,
    /** SIGKILLs exactly this driver's app (no chance to clean up) and waits until it has
     *  ended; resolves to its pid. */
    async killApp() {
      const pid = appPid();
      process.kill(pid, 'SIGKILL');
      await eventually(`the app (pid ${pid}) to end`, () => !alive(pid));
      return pid;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

/** A WebDriver session: starts the real app window. */
export async function openApp() {
  return remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'warn',
    capabilities: {
      'tauri:options': { application: env('LINLI_APP_BIN') },
      // tauri-driver speaks classic WebDriver; no browserName (it would fail to match).
      'wdio:enforceWebDriverClassic': true,
    },
  });
}

/** Screenshot of the whole X display (the real window with its frame) into `dir`. */
export function screenshot(dir, name) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  execFileSync('import', ['-window', 'root', file]);
  return file;
}

/** Waits until `check` returns a truthy value, polling; fails with `what` after `timeoutMs`. */
export async function eventually(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until no CSS transition or animation runs in the window (a page or popup has
 *  settled), so a screenshot shows the screen as it stays. */
export async function settled(browser) {
  await eventually('the window to settle', () => browser.execute(() => document.getAnimations().every((a) => a.playState !== 'running')));
  // Two frames later the settled screen has been painted, not only laid out.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

/** A second device of a resident: plain HTTPS calls to the server, trusting its demo CA. */
export function device(server) {
  const ca = readFileSync(server.ca);
  let token = null;
  const call = (method, path, body, extra = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(path, server.url);
      const req = https.request(
        url,
        {
          method,
          ca,
          headers: {
            accept: 'application/json',
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...extra,
          },
        },
        (res) => {
          let data = '';
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data ? JSON.parse(data) : null }));
        },
      );
      req.on('error', reject);
      if (body) req.write(JSON.stringify(body));
      req.end();
    });
  return {
    async signIn(phone, password) {
      const res = await call('POST', '/v1/auth/login', { phone, password });
      if (res.status !== 200) throw new Error(`second device could not sign in: ${res.status}`);
      token = res.body.access_token;
    },
    /** Calls as a gate (or anything else holding a bearer token) from now on. */
    useToken(bearer) {
      token = bearer;
    },
    /** The bearer token this device holds. */
    token: () => token,
    get: (path) => call('GET', path),
    head: (path) => call('HEAD', path, undefined, { 'tus-resumable': '1.0.0' }),
    post: (path, body, extra) => call('POST', path, body, extra),
    delete: (path) => call('DELETE', path),
    /** A write that takes an `Idempotency-Key` (a fresh one per call). */
    postOnce: (path, body) => call('POST', path, body, { 'idempotency-key': `"${crypto.randomUUID()}"` }),
  };
}

/** Enrols a gate at the running server through `linli-server gate-add`; returns its token. */
export function addGate(server, community, name, group = 'pedestrian') {
  const out = execFileSync(env('LINLI_SERVER_BIN'), ['gate-add', '--data-dir', server.dataDir, '--community', community, '--group', group, '--name', name], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** What the system clipboard holds as `target` (text or image/png), read with xclip. */
export function clipboard(target = 'UTF8_STRING') {
  return execFileSync('xclip', ['-selection', 'clipboard', '-target', target, '-out'], { timeout: 10000 });
}

/** The text of the one QR code in a PNG (jsQR: a decoder nobody here wrote). */
export function decodeQr(png) {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (!found) throw new Error(`no QR code found in a ${image.width}×${image.height} picture`);
  return found.data;
}
