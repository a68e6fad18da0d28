import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, SmoothClient } from '@open-smooth/sdk';
import { reportCsvFileName } from '@open-smooth/testkit';
import { findElementIndex } from '@open-smooth/testkit';
import { done, pageText, startEndToEnd, testApiKey, type EndToEnd } from './end-to-end-harness.js';

// downloadsUrl() and recordingUrl() of finished tasks, against the real server.

let world: EndToEnd;
let client: SmoothClient;

before(async () => {
  world = await startEndToEnd();
  client = new SmoothClient({ apiKey: testApiKey, baseUrl: world.server.apiBaseUrl });
});
after(() => world.close());

test('downloadsUrl() points to a zip holding the file the agent downloaded', async () => {
  let clicked = false;
  world.model.setPolicy((request) => {
    const link = findElementIndex(pageText(request), { name: /Download Q1 sales report/ });
    if (!clicked && link !== undefined) {
      clicked = true;
      return { toolCalls: [{ name: 'click', arguments: { index: link } }] };
    }
    return done(request, 'Downloaded the report', null);
  });
  const task = await client.run({ task: 'Download the Q1 sales report', url: world.sites.url('/downloads'), enableRecording: false });
  const result = await task.result();
  assert.equal(result.status, 'done', result.error ?? '');
  assert.ok(clicked, 'the model saw the download link');
  const downloadsUrl = await task.downloadsUrl();
  const zip = await fetch(downloadsUrl, { headers: { apikey: testApiKey } });
  assert.equal(zip.status, 200);
  const bytes = Buffer.from(await zip.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a zip archive');
  assert.ok(bytes.includes(Buffer.from(reportCsvFileName)), 'the archive names the downloaded file');
  await assert.rejects(task.recordingUrl(), (error: unknown) => error instanceof ApiError && error.statusCode === 404, 'no recording when it was turned off');
});

test('downloadsUrl() of a task that downloaded nothing is ApiError 404', async () => {
  world.model.setPolicy((request) => done(request, 'nothing to do', null));
  const task = await client.run({ task: 'Say hello', url: world.sites.url('/flights') });
  assert.equal((await task.result()).status, 'done');
  await assert.rejects(task.downloadsUrl(), (error: unknown) => error instanceof ApiError && error.statusCode === 404);
});
