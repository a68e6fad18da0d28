import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FrameSpool } from '../src/tasks/frame-spool.js';

test('a frame spool stays within its byte budget by thinning, keeps the first and last frames, and covers the whole span', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'frame-spool-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const frameBytes = 10 * 1024;
  const spool = new FrameSpool(directory, 100 * 1024);
  for (let index = 0; index < 64; index += 1) spool.add(Buffer.alloc(frameBytes, index), 1_000 + index * 200);
  const frames = await spool.settled();

  const onDisk = (await readdir(directory)).sort();
  assert.deepEqual(onDisk, frames.map((frame) => frame.fileName), 'the frames listed are exactly the files on disk');
  assert.ok(spool.bytes <= 100 * 1024 + frameBytes, `${spool.bytes} bytes kept`);
  assert.equal(spool.bytes, frames.length * frameBytes);
  assert.equal(frames[0]?.atMs, 1_000, 'the first frame is kept');
  assert.equal(frames.at(-1)?.atMs, 1_000 + 63 * 200, 'the last frame is kept');
  assert.ok(spool.intervalFactor >= 4, `the recorder is told to slow down (factor ${spool.intervalFactor})`);
  // Thinned evenly: no gap between kept frames is more than the recorder's stretched interval (and one more for the last).
  const gaps = frames.slice(1).map((frame, index) => frame.atMs - (frames[index]?.atMs ?? 0));
  assert.ok(Math.max(...gaps) <= 200 * spool.intervalFactor, `gaps ${gaps.join(',')}`);
});
