import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, SmoothClient } from '@open-smooth/sdk';
import { reportCsvFileName } from '@open-smooth/testkit';
import { findElementIndex } from '@open-smooth/testkit';
import { done, pageText, startEndToEnd, testApiKey, type EndToEnd } from './end-to-end-harness.js';

// downloadsUrl() and recordingUrl() of finished tasks, against the real server.

const run = promisify(execFile);

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

test('recordingUrl() waits for the video of a recorded task: an H.264 MP4 as long as the task, with more than one picture', async () => {
  let navigated = false;
  world.model.setPolicy((request) => {
    if (!navigated) {
      navigated = true;
      // The flights page first, then the downloads page: two different pictures, a second or two apart.
      return { toolCalls: [{ name: 'goto', arguments: { url: world.sites.url('/downloads') } }], delayMs: 1200 };
    }
    return { ...done(request, 'looked at two pages', null), delayMs: 1200 };
  });
  const task = await client.run({ task: 'Look at two pages', url: world.sites.url('/flights') });
  const result = await task.result();
  assert.equal(result.status, 'done', result.error ?? '');
  // The server's own account of the task's duration (creation to end), from its review API.
  const summaries = (await (await fetch(`${world.server.apiBaseUrl}v1/task-summaries`, { headers: { apikey: testApiKey } })).json()) as { r: Array<{ id: string; duration: number }> };
  const taskSeconds = summaries.r.find((summary) => summary.id === task.id())?.duration ?? Number.NaN;
  // recording_url is null until the video is encoded; recordingUrl() keeps polling until then.
  const recordingUrl = await task.recordingUrl({ timeout: 60 });
  assert.match(recordingUrl, /\/recordings\/[A-Za-z0-9_-]+\/recording\.mp4$/);
  const response = await fetch(recordingUrl);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'video/mp4');
  const directory = await mkdtemp(join(tmpdir(), 'sdk-recording-'));
  const path = join(directory, 'task.mp4');
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  try {
    const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', path])).stdout);
    assert.equal(probe.streams[0].codec_name, 'h264');
    assert.ok(Math.abs(Number(probe.format.duration) - taskSeconds) <= 1, `video ${probe.format.duration} s, task ${taskSeconds} s`);
    const checksums = (await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(',').at(-1)?.trim());
    assert.ok(new Set(checksums).size > 1, 'more than one distinct picture');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
