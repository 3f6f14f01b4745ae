// Our tus server, spoken to by tus-js-client (npm): an implementation nobody here wrote. It
// uploads a real picture in small chunks, is cut off after the first ones and resumes from the
// offset the server reports, and the server ends with the exact bytes, once, marked complete.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as tus from 'tus-js-client';
import { startServer, tempDir, device } from './lib/harness.mjs';

const open = { server: null };
after(async () => {
  await open.server?.stop().catch(() => {});
});

function upload(file, options) {
  return new Promise((resolve, reject) => {
    const u = new tus.Upload(file, { ...options, onSuccess: () => resolve(u), onError: reject });
    options.start?.(u);
    u.start();
  });
}

test('tus-js-client uploads to linli-server in chunks and resumes after a cut', async () => {
  const server = await startServer(tempDir('server'));
  open.server = server;
  const phone = device(server);
  await phone.signIn('13800000001', 'demo1234');
  const token = phone.token();
  const httpStack = new tus.DefaultHttpStack({ ca: readFileSync(server.ca) });
  const file = readFileSync(join(import.meta.dirname, '../../icons/icon.png'));
  const id = randomUUID();
  const common = {
    endpoint: `${server.url}/v1/uploads`,
    headers: { Authorization: `Bearer ${token}` },
    metadata: { attachment_id: id, filename: 'icon.png', content_type: 'image/png' },
    chunkSize: 4096,
    httpStack,
    retryDelays: null,
  };

  // First attempt: stop after two chunks (the resident's signal drops).
  let uploadUrl = null;
  let chunks = 0;
  await new Promise((resolve, reject) => {
    const u = new tus.Upload(file, {
      ...common,
      onChunkComplete: () => {
        chunks += 1;
        uploadUrl = u.url;
        if (chunks === 2) u.abort().then(resolve, reject);
      },
      onSuccess: () => reject(new Error('the cut did not happen')),
      onError: reject,
    });
    u.start();
  });
  assert.ok(uploadUrl, 'the upload URL is known after creation');
  const midway = await phone.head(`/v1/uploads/${id}`);
  assert.equal(midway.headers['upload-offset'], String(2 * 4096), 'two chunks were kept');

  // Second attempt: resume from the server's offset.
  await upload(file, { ...common, uploadUrl });
  const done = await phone.head(`/v1/uploads/${id}`);
  assert.equal(done.headers['upload-offset'], String(file.length));
  assert.equal(done.headers['attachment-status'], 'complete', 'the server read the picture');
  const stored = readFileSync(join(server.dataDir, 'uploads', id));
  assert.ok(stored.equals(file), 'the server holds the exact bytes, each once');
});
