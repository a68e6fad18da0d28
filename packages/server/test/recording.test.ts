import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { startScriptedModelServer } from '@open-smooth/testkit';
import { startPageServer } from './support/page-server.js';
import { storedTaskTimes } from './support/test-database.js';
import { sendCommand, startTestServer, waitForTask } from './support/test-server.js';

const run = promisify(execFile);

async function videoFacts(path: string): Promise<{ codec: string; durationSeconds: number; distinctFrames: number }> {
  const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', path]);
  const facts = JSON.parse(probe.stdout) as { streams: Array<{ codec_name: string }>; format: { duration: string } };
  // One checksum per decoded frame: distinct checksums are distinct pictures.
  const frames = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 });
  const checksums = new Set(frames.stdout.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(',').at(-1)?.trim()));
  return { codec: facts.streams[0]?.codec_name ?? '', durationSeconds: Number(facts.format.duration), distinctFrames: checksums.size };
}

test('a recorded task yields an H.264 video as long as the task, served with ranges; off gives "", erased gives 404', async (t) => {
  const pages = await startPageServer();
  let step = 0;
  const model = await startScriptedModelServer((request) => {
    if (request.tools.length === 0) return { text: '{}' };
    if (request.lastUserText.includes('second')) return { toolCalls: [{ name: 'done', arguments: { answer: 'saw both pages' } }], delayMs: 1500 };
    step += 1;
    // The page stays idle for a while, then the agent navigates: the video must show both, and last as long.
    return { toolCalls: [{ name: 'goto', arguments: { url: `${pages.url}/second` } }], delayMs: 1500 };
  });
  const server = await startTestServer({ modelEnvironment: model.environment() });
  t.after(async () => {
    await server.close();
    await model.close();
    await pages.close();
  });

  const created = await server.api('POST', '/task', { body: { task: 'Look at both pages', url: `${pages.url}/`, device: 'desktop' } });
  assert.equal(created.status, 200);
  const id: string = created.body.r.id;
  assert.equal(created.body.r.recording_url, null, 'null while the recording is not ready');
  const finished = await waitForTask(server, id, (task) => task.status !== 'running' && task.status !== 'waiting', 'the task to end');
  assert.equal(finished.status, 'done', finished.error);
  assert.ok(step >= 1);
  const ready = await waitForTask(server, id, (task) => task.recording_url !== null, 'the recording');
  assert.match(ready.recording_url, new RegExp(`^${server.server.url}/recordings/[A-Za-z0-9_-]{20,}/recording\\.mp4$`));

  const response = await fetch(ready.recording_url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'video/mp4');
  assert.equal(response.headers.get('accept-ranges'), 'bytes');
  const video = Buffer.from(await response.arrayBuffer());
  const videoPath = join(server.dataDirectory, 'downloaded.mp4');
  await writeFile(videoPath, video);

  const times = await storedTaskTimes(server, id);
  const taskSeconds = ((times.finishedAtMs ?? Number.NaN) - times.createdAtMs) / 1000;
  const facts = await videoFacts(videoPath);
  assert.equal(facts.codec, 'h264');
  assert.ok(taskSeconds >= 2.5, `the task took ${taskSeconds} s`);
  // The video starts when the task starts running, the task's time when it was created: on a loaded
  // machine the wait for a slot and a browser grows with the task (a 35 s run waited 1.2 s).
  const tolerance = Math.max(1, taskSeconds * 0.05);
  assert.ok(Math.abs(facts.durationSeconds - taskSeconds) <= tolerance, `video ${facts.durationSeconds} s, task ${taskSeconds} s`);
  assert.ok(facts.distinctFrames > 1, `${facts.distinctFrames} distinct frames`);

  const partial = await fetch(ready.recording_url, { headers: { range: 'bytes=0-99' } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get('content-range'), `bytes 0-99/${video.length}`);
  assert.deepEqual(Buffer.from(await partial.arrayBuffer()), video.subarray(0, 100));
  const tail = await fetch(ready.recording_url, { headers: { range: `bytes=${video.length - 10}-` } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), video.subarray(video.length - 10));
  assert.equal((await fetch(ready.recording_url, { headers: { range: `bytes=${video.length + 5}-` } })).status, 416);

  // Recording off: "" from the first response on, and nothing recorded.
  const unrecorded = await server.api('POST', '/task', { body: { task: 'Look at both pages', url: `${pages.url}/`, device: 'desktop', enable_recording: false } });
  assert.equal(unrecorded.body.r.recording_url, '');
  const unrecordedDone = await waitForTask(server, unrecorded.body.r.id, (task) => task.status === 'done' || task.status === 'failed', 'the second task');
  assert.equal(unrecordedDone.recording_url, '');

  // Erasing the task's data deletes the video.
  assert.equal((await server.api('DELETE', `/task/${id}/data`)).status, 200);
  assert.equal((await fetch(ready.recording_url)).status, 404);
  assert.equal((await server.api('GET', `/task/${id}`)).body.r.recording_url, '');
});

test('a session closed right after its first page still has that page in its video', async (t) => {
  const pages = await startPageServer();
  const server = await startTestServer();
  t.after(async () => {
    await server.close();
    await pages.close();
  });
  const created = await server.api('POST', '/task', { body: { task: null, device: 'desktop' } });
  const id: string = created.body.r.id;
  assert.equal((await sendCommand(server, id, 'browser_action', 'goto', { url: `${pages.url}/` }, 'goto-1')).payload.code, 200);
  assert.equal((await sendCommand(server, id, 'session_action', 'close', {}, 'close-1')).payload.code, 200);
  const ready = await waitForTask(server, id, (task) => task.status === 'done' && task.recording_url !== null, 'the recording');
  assert.match(ready.recording_url, /\/recording\.mp4$/, 'the session has a video');
  const path = join(server.dataDirectory, 'quick-session.mp4');
  await writeFile(path, Buffer.from(await (await fetch(ready.recording_url)).arrayBuffer()));
  const facts = await videoFacts(path);
  assert.equal(facts.codec, 'h264');
  assert.ok(facts.distinctFrames >= 1);
});
