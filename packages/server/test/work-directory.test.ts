import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { createWorkDirectory } from '../src/work-directory.js';
import { makeTemporaryDirectory } from './support/test-server.js';

test('a process gets a scratch folder of its own; folders of processes that are gone are removed, those of running ones kept', async (t) => {
  const dataDirectory = await makeTemporaryDirectory();
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const gone = `${child.pid}-crashed`;
  const running = `${process.ppid}-neighbour`;
  for (const name of [gone, running]) {
    await mkdir(join(dataDirectory, 'work', name, 'tasks', 'task_1'), { recursive: true });
    await writeFile(join(dataDirectory, 'work', name, 'tasks', 'task_1', 'frame.jpg'), 'x');
  }
  const mine = await createWorkDirectory(dataDirectory);
  assert.match(basename(mine), new RegExp(`^${process.pid}-`));
  assert.deepEqual((await readdir(join(dataDirectory, 'work'))).sort(), [basename(mine), running].sort());
});
