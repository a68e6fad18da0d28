import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs the benchmarks in quick mode: they must run to the end and print their tables (no timing is checked). */
test('npm run bench in quick mode prints every benchmark table and writes a results file', { timeout: 240_000 }, async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run-all.ts'], {
    cwd: repository,
    env: { ...process.env, BENCH_QUICK: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const name of ['session-cycle', 'agent-overhead', 'observation-size', 'memory', 'api-load', 'live-and-recording']) {
    assert.match(stdout, new RegExp(`## ${name}\\n\\n\\| benchmark \\| measure \\| ours`), `the ${name} table is printed`);
  }
  assert.match(stdout, /## all benchmarks/);
  assert.doesNotMatch(stdout, /could not run/, 'every benchmark ran');
  const written = /results written to (\S+)/.exec(stdout)?.[1];
  assert.ok(written, 'the results file is named');
  const report = JSON.parse(await readFile(written, 'utf8')) as { quick: boolean; rows: unknown[] };
  assert.equal(report.quick, true);
  assert.ok(report.rows.length >= 10);
  await rm(written);
});
