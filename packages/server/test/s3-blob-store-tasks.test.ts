import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { findElementIndex, reportCsvBytes, reportCsvFileName, startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from '@open-smooth/testkit';
import yauzl from 'yauzl';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { blobKeys } from '../src/blobs/blob-keys.js';
import { openBlobStore } from '../src/blobs/open-blob-store.js';
import { tenantOfApiKey } from '../src/api-keys.js';
import { startS3TestServer, type S3TestServer } from './support/s3-test-server.js';
import { testExtensionFiles, zipOf } from './support/test-extension.js';
import { fileForm } from './support/uploads.js';
import { firstKey, pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

let s3: S3TestServer;
/** The bucket as the test sees it, to check what the server put there. */
let bucket: BlobStore;
let fixtures: FixtureServer;
let model: ScriptedModelServer;
let server: TestServer;

before(async () => {
  s3 = await startS3TestServer();
  bucket = await openBlobStore(s3.blobUrl, '/nonexistent', s3.environment);
  fixtures = await startFixtureServer();
  let downloadClicked = false;
  model = await startScriptedModelServer((request) => {
    const text = request.lastUserText;
    const downloadLink = findElementIndex(text, { role: 'link', name: /Download Q1 sales report/ });
    if (downloadLink !== undefined) {
      if (downloadClicked) return { toolCalls: [{ name: 'done', arguments: { answer: 'uploaded and downloaded' } }] };
      downloadClicked = true;
      return { toolCalls: [{ name: 'click', arguments: { index: downloadLink } }] };
    }
    if (/Received invoice-42\.txt/.test(text)) return { toolCalls: [{ name: 'goto', arguments: { url: fixtures.url('/downloads') } }] };
    return {
      toolCalls: [
        { name: 'upload_file', arguments: { index: findElementIndex(text, { name: 'Document' }), file: 'invoice-42.txt' } },
        { name: 'click', arguments: { index: findElementIndex(text, { role: 'button', name: 'Upload' }) } },
      ],
    };
  });
  // As an operator configures it: the blob URL and the standard AWS variables in the environment.
  process.env.SMOOTH_BLOB_URL = s3.blobUrl;
  Object.assign(process.env, s3.environment);
  server = await startTestServer({ modelEnvironment: model.environment() });
});
after(async () => {
  await server?.close();
  await bucket?.close();
  await Promise.all([fixtures?.close(), model?.close(), s3?.close()]);
});

async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

function zipEntries(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, async (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          entries.set(entry.fileName, Buffer.concat(chunks));
          archive.readEntry();
        });
      });
      archive.once('end', () => resolve(entries));
      archive.once('error', reject);
      archive.readEntry();
    });
  });
}

/** Files the server left under its data directory in a blob folder (there should be none with S3). */
async function localBlobFolders(): Promise<string[]> {
  const names = await readdir(server.dataDirectory);
  return names.filter((name) => ['files', 'extensions', 'profiles', 'tasks'].includes(name));
}

test('with S3 blobs: an upload reaches the agent’s file input, the download, step screenshots and the recording come back from the bucket, and erasing removes them', async () => {
  const bytes = Buffer.from(`invoice 42, total £120.00, ${Date.now()}\n`);
  const uploaded = await server.api('POST', '/file', { rawBody: fileForm(bytes, 'invoice-42.txt') });
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  const fileId: string = uploaded.body.r.id;
  assert.deepEqual(await bucket.read(blobKeys.file(fileId, 'invoice-42.txt')), bytes, 'the upload is in the bucket');

  const created = await server.api('POST', '/task', { body: { task: 'Upload the invoice, then get the sales report', url: fixtures.url('/upload'), files: [fileId], max_steps: 8 } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId: string = created.body.r.id;
  const { status } = await pollEvents(server, taskId, () => false, { maxPolls: 200 });
  assert.equal(status, 'done');
  const received = fixtures.records.uploads.at(-1);
  assert.equal(received?.fileName, 'invoice-42.txt');
  assert.deepEqual(received?.bytes, bytes, 'the site received the uploaded bytes');

  const finished = await server.api('GET', `/task/${taskId}?downloads=true`);
  assert.equal(finished.body.r.output, 'uploaded and downloaded');
  const zip = await fetchBytes(finished.body.r.downloads_url);
  assert.equal(zip.status, 200);
  assert.deepEqual((await zipEntries(zip.bytes)).get(reportCsvFileName), reportCsvBytes, 'the downloaded report comes back from the bucket, byte for byte');

  const steps = await server.api('GET', `/task/${taskId}/steps`);
  const withScreenshot = (steps.body.r as Array<{ screenshot_url: string | null }>).filter((step) => step.screenshot_url);
  assert.ok(withScreenshot.length >= 2, `steps have screenshots: ${JSON.stringify(steps.body.r)}`);
  const screenshot = await fetchBytes(`${server.server.url}${withScreenshot[0]?.screenshot_url}`, { apikey: firstKey });
  assert.equal(screenshot.status, 200);
  assert.equal(screenshot.type, 'image/jpeg');
  assert.deepEqual([...screenshot.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');

  const recordingUrl: string = finished.body.r.recording_url;
  assert.match(recordingUrl, /recording\.mp4$/);
  const video = await fetchBytes(recordingUrl);
  assert.equal(video.status, 200);
  assert.equal(video.type, 'video/mp4');
  assert.equal(video.bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4');
  const range = await fetchBytes(recordingUrl, { range: 'bytes=0-99' });
  assert.equal(range.status, 206);
  assert.deepEqual(range.bytes, video.bytes.subarray(0, 100));
  assert.ok(await bucket.stat(blobKeys.recordingVideo(taskId)), 'the encoded video is kept in the bucket');

  assert.deepEqual(await localBlobFolders(), [], 'nothing of the task or its file was kept on the server’s disk');
  // Every process's scratch folders (the distributed topology has a data directory per process under it).
  const scratch = await readdir(server.dataDirectory, { recursive: true });
  assert.deepEqual(scratch.filter((name) => String(name).includes(taskId)), [], 'the task’s scratch folder is gone');

  assert.equal((await server.api('DELETE', `/task/${taskId}/data`)).status, 200);
  assert.equal(await bucket.stat(blobKeys.recordingVideo(taskId)), undefined);
  assert.equal(await bucket.deletePrefix(blobKeys.taskFolder(taskId)), 0, 'erasing the task removed every blob of it');
  assert.equal((await server.api('DELETE', `/file/${fileId}`)).status, 200);
  assert.equal(await bucket.stat(blobKeys.file(fileId, 'invoice-42.txt')), undefined, 'deleting the file removed its blob');
});

test('with S3 blobs: an extension and a profile are loaded from the bucket by the worker, saved back, and deleted with their rows', async () => {
  const extension = await server.api('POST', '/browser/extension', { rawBody: fileForm(await zipOf(testExtensionFiles), 'marker.zip') });
  assert.equal(extension.status, 200, JSON.stringify(extension.body));
  const extensionId: string = extension.body.r.id;
  assert.ok(await bucket.stat(blobKeys.extension(extensionId, 'marker.zip')), 'the zip is in the bucket');
  assert.equal((await server.api('POST', '/profile', { body: { id: 's3-user' } })).status, 200);

  const first = await server.api('POST', '/task', { body: { task: null, url: fixtures.url('/'), device: 'desktop', extensions: [extensionId], profile_id: 's3-user' } });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const banner = await sendCommand(server, first.body.r.id, 'browser_action', 'evaluate_js', {
    js: `() => new Promise((resolve) => { const read = () => { const banner = document.getElementById('extension-banner'); banner ? resolve(banner.textContent) : setTimeout(read, 50); }; read(); })`,
  }, 'banner');
  assert.equal(banner.payload.output.output, 'Injected by the test extension', 'the worker unpacked the extension from the bucket');
  await sendCommand(server, first.body.r.id, 'browser_action', 'evaluate_js', { js: `localStorage.setItem('kept', 'from the first session'); true` }, 'keep');
  await sendCommand(server, first.body.r.id, 'session_action', 'close', {}, 'close');
  assert.equal((await pollEvents(server, first.body.r.id, () => false)).status, 'done');
  const stateKey = blobKeys.profileState(tenantOfApiKey(firstKey), 's3-user');
  assert.ok(await bucket.stat(stateKey), 'the profile was saved into the bucket');

  const second = await server.api('POST', '/task', { body: { task: null, url: fixtures.url('/'), device: 'desktop', profile_id: 's3-user', profile_read_only: true } });
  const kept = await sendCommand(server, second.body.r.id, 'browser_action', 'evaluate_js', { js: `localStorage.getItem('kept')` }, 'read');
  assert.equal(kept.payload.output.output, 'from the first session');
  await sendCommand(server, second.body.r.id, 'session_action', 'close', {}, 'close');
  await pollEvents(server, second.body.r.id, () => false);

  assert.equal((await server.api('DELETE', '/profile/s3-user')).status, 200);
  assert.equal(await bucket.stat(stateKey), undefined, 'deleting the profile removed its state');
  assert.equal((await server.api('DELETE', `/extension/${extensionId}`)).status, 200);
  assert.equal(await bucket.stat(blobKeys.extension(extensionId, 'marker.zip')), undefined, 'deleting the extension removed its zip');
  assert.deepEqual(await localBlobFolders(), [], 'nothing was kept on the server’s disk');
});
