import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { blobKeys } from '../src/blobs/blob-keys.js';
import { firstKey, secondKey, startTestServer, type TestServer } from './support/test-server.js';

const mebibyte = 1024 * 1024;

/** Posts a multipart upload of `totalBytes` generated on the fly: the test never holds the file either. */
async function streamUpload(server: TestServer, totalBytes: number): Promise<{ status: number; body: any; sha256: string }> {
  const boundary = 'open-smooth-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256');
  let sent = 0;
  // One block sent again and again: the client side allocates nothing per chunk.
  const block = Buffer.alloc(mebibyte, 7);
  let stage: 'head' | 'data' | 'tail' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 'head') {
        stage = 'data';
        controller.enqueue(head);
      } else if (stage === 'data') {
        const size = Math.min(mebibyte, totalBytes - sent);
        const chunk = size === mebibyte ? block : block.subarray(0, size);
        hash.update(chunk);
        sent += size;
        if (sent >= totalBytes) stage = 'tail';
        controller.enqueue(chunk);
      } else if (stage === 'tail') {
        stage = 'done';
        controller.enqueue(tail);
      } else {
        controller.close();
      }
    },
  });
  const response = await fetch(`${server.server.apiBaseUrl}v1/file`, {
    method: 'POST',
    headers: { apikey: firstKey, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: await response.json(), sha256: hash.digest('hex') };
}

test('a 200 MB upload is streamed to disk with the server RSS bounded; a file over the cap is refused and leaves nothing', async (t) => {
  const server = await startTestServer({ maxUploadBytes: 256 * mebibyte });
  t.after(() => server.close());
  await server.api('GET', '/task');
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
  t.after(() => clearInterval(sampler));
  const uploaded = await streamUpload(server, 200 * mebibyte);
  clearInterval(sampler);
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  const id: string = uploaded.body.r.id;
  // Buffering it whole would add 200 MB (twice, with the copy); streaming keeps to the buffers in flight.
  assert.ok(rssPeak - rssBefore < 100 * mebibyte, `RSS grew by ${Math.round((rssPeak - rssBefore) / mebibyte)} MiB`);
  assert.deepEqual(await server.blobs.stat(blobKeys.file(id, 'big.bin')), { bytes: 200 * mebibyte });
  const stored = createHash('sha256');
  for await (const chunk of await server.blobs.get(blobKeys.file(id, 'big.bin'))) stored.update(chunk as Buffer);
  assert.equal(stored.digest('hex'), uploaded.sha256);

  const small = await startTestServer({ maxUploadBytes: mebibyte });
  t.after(() => small.close());
  const refused = await streamUpload(small, 3 * mebibyte);
  assert.equal(refused.status, 413);
  assert.equal(refused.body.detail, 'the file is larger than the cap of 1 MiB (1048576 bytes); send a smaller one');
  assert.deepEqual(await readdir(join(small.dataDirectory, 'files')).catch(() => []), []);
});

test('wrong API keys are rate limited per address; keys already used from it keep working, an unproven correct key does not', async (t) => {
  const server = await startTestServer({ failedAuthLimits: { maxFailures: 5, windowMs: 3_000 } });
  t.after(() => server.close());
  assert.equal((await server.api('GET', '/task', { key: firstKey })).status, 200);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const wrong = await server.api('GET', '/task', { key: `sk_guess_${attempt}` });
    assert.deepEqual([wrong.status, wrong.body], [401, { detail: 'invalid API key' }]);
  }
  const limited = await server.api('GET', '/task', { key: 'sk_guess_again' });
  assert.equal(limited.status, 429);
  assert.match(limited.body.detail, /too many wrong API keys from this address; try again in \d+ s/);
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  // A client that already used its key from here is unaffected…
  assert.equal((await server.api('GET', '/task', { key: firstKey })).status, 200);
  // …but a correct key first tried now is refused like a guess, so guessing teaches nothing.
  assert.equal((await server.api('GET', '/task', { key: secondKey })).status, 429);
  // Once the window has passed, the address may try again.
  const deadline = Date.now() + 20_000;
  let status = 429;
  while (status === 429 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = (await server.api('GET', '/task', { key: secondKey })).status;
  }
  assert.equal(status, 200);
});
