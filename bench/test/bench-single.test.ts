import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// A file of its own: each test file has its own time budget (scripts/test.sh), and the quick run of every benchmark uses most of one.
test('a benchmark runs alone and prints its table', { timeout: 120_000 }, async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/session-cycle.ts'], {
    cwd: repository,
    env: { ...process.env, BENCH_QUICK: '1' },
  });
  assert.match(stdout, /## session-cycle\n\n\| benchmark \| measure \| ours \| unit \|/);
  assert.match(stdout, /\| session-cycle \| c=1 cycle p50 \(n=3\) \| \d/);
});
