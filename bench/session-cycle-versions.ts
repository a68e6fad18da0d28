import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { SessionApiClient } from './lib/session-api-client.js';
import { rounded, summarize } from './lib/statistics.js';

/**
 * Two versions of the product side by side in one run: this tree and another checkout
 * (`BENCH_OTHER_TREE`, e.g. `git archive <commit> | tar -x -C DIR` with a node_modules whose
 * `@open-smooth/*` links point into DIR), each serving sessions from its own process. Session
 * cycles (create with the server's defaults → goto a fixture page → close) alternate between the
 * two, cycle by cycle at c=1 and batch by batch at c=10, so the machine's load swings hit both
 * alike. Read the ratio, not the absolute figures.
 */

interface Served {
  name: string;
  client: SessionApiClient;
  sessionOptions: { enableRecording?: boolean };
  pageUrl: string;
  child: ChildProcess;
}

/** Started in each tree with that tree's tsx: a bench server on loopback, its addresses on stdout, stopped when stdin closes. */
const serverScript = `
import { PerformanceObserver } from 'node:perf_hooks';
import { startBenchServer } from './bench/lib/bench-server.ts';
const pauses = [];
if (process.env.BENCH_GC_REPORT === '1') new PerformanceObserver((list) => pauses.push(...list.getEntries().map((entry) => entry.duration))).observe({ entryTypes: ['gc'] });
const reportGc = () => {
  if (process.env.BENCH_GC_REPORT !== '1') return;
  const sorted = pauses.sort((a, b) => b - a);
  const total = sorted.reduce((sum, pause) => sum + pause, 0);
  process.stderr.write(process.cwd() + ': gc pauses ' + sorted.length + ', total ' + Math.round(total) + ' ms, longest ' + sorted.slice(0, 8).map(Math.round).join(' ') + ' ms; heap used ' + Math.round(process.memoryUsage().heapUsed / 1e6) + ' MB\\n');
};
const bench = await startBenchServer({ maxConcurrentTasks: 16 });
process.stdout.write(JSON.stringify({ apiUrl: bench.client.apiUrl, apiKey: bench.client.apiKey, pageUrl: bench.fixtures.url('/') }) + '\\n');
process.stdin.on('end', async () => { reportGc(); await bench.close(); process.exit(0); });
process.stdin.resume();
`;

async function serve(name: string, tree: string, sessionOptions: { enableRecording?: boolean }): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serverScript], { cwd: tree, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`the ${name} server exited with code ${code} before it was ready`)));
  });
  const { apiUrl, apiKey, pageUrl } = JSON.parse(first) as { apiUrl: string; apiKey: string; pageUrl: string };
  return { name, client: new SessionApiClient(apiUrl, apiKey), sessionOptions, pageUrl, child };
}

/**
 * `BENCH_ENABLE_RECORDING=0`: sessions ask for no recording (to compare with a version that had
 * none); `BENCH_OTHER_ENABLE_RECORDING=0|1` says it for the other tree alone (e.g. this tree
 * against itself, with and without recording).
 */
function recordingOptions(setting: string | undefined): { enableRecording?: boolean } {
  return setting === '0' ? { enableRecording: false } : setting === '1' ? { enableRecording: true } : {};
}

/** One cycle's phases (ms): the create request, the goto (which waits for the session's browser), the close, and the whole. */
interface Cycle {
  create: number;
  goto: number;
  close: number;
  cycle: number;
}

async function oneCycle(served: Served): Promise<Cycle> {
  const started = performance.now();
  const sessionId = await served.client.createSession('desktop', served.sessionOptions);
  const created = performance.now();
  await served.client.goto(sessionId, served.pageUrl);
  const navigated = performance.now();
  await served.client.close(sessionId);
  const closed = performance.now();
  return { create: created - started, goto: navigated - created, close: closed - navigated, cycle: closed - started };
}

/**
 * `BENCH_BATCH_PAUSE_MS`: a pause after each batch, so that what a server does after answering a
 * close (handing the context back, storing the recording) is over before the next batch starts.
 */
const batchPauseMs = Number(process.env.BENCH_BATCH_PAUSE_MS ?? 0);

async function interleaved(trees: readonly Served[], rounds: number, concurrency: number): Promise<Map<Served, Cycle[]>> {
  const samples = new Map<Served, Cycle[]>(trees.map((tree) => [tree, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < trees.length; position += 1) {
      const tree = trees[(round + position) % trees.length]!;
      samples.get(tree)!.push(...(await Promise.all(Array.from({ length: concurrency }, () => oneCycle(tree)))));
      if (batchPauseMs > 0) await new Promise((resolvePause) => setTimeout(resolvePause, batchPauseMs));
    }
  }
  return samples;
}

function rowsFor(concurrency: number, samples: Map<Served, Cycle[]>, base: Served): BenchRow[] {
  // The phases only where they tell something (c=10's tail); `BENCH_PHASES=1` for c=1 too.
  const phases: Array<keyof Cycle> = concurrency > 1 || process.env.BENCH_PHASES === '1' ? ['cycle', 'create', 'goto', 'close'] : ['cycle'];
  return phases.flatMap((phase) => phaseRows(concurrency, phase, samples, base));
}

function phaseRows(concurrency: number, phase: keyof Cycle, samples: Map<Served, Cycle[]>, base: Served): BenchRow[] {
  const baseline = summarize(samples.get(base)!.map((cycle) => cycle[phase]));
  return [...samples].map(([tree, cycles]) => {
    const summary = summarize(cycles.map((cycle) => cycle[phase]));
    return {
      benchmark: 'session-cycle-versions',
      measure: `${tree.name}: c=${concurrency} ${phase} p50 (n=${summary.count})`,
      unit: 'ms',
      value: rounded(summary.p50),
      note: `p95 ${rounded(summary.p95)}; ratio to ${base.name}: p50 ${(summary.p50 / baseline.p50).toFixed(2)}, p95 ${(summary.p95 / baseline.p95).toFixed(2)}`,
    };
  });
}

/**
 * `BENCH_SAMPLES_FILE`: every cycle's phases are appended there (a JSON line per tree and
 * concurrency), so that several runs can be pooled: the 95th percentile of one run at c=10 is its
 * 5th-slowest cycle, which the machine's load swings more than any change of ours.
 */
async function keepSamples(...groups: Array<Array<{ tree: string; concurrency: number; cycles: Cycle[] }>>): Promise<void> {
  const file = process.env.BENCH_SAMPLES_FILE;
  if (!file) return;
  await appendFile(file, groups.flat().map((group) => JSON.stringify({ at: new Date().toISOString(), ...group }) + '\n').join(''));
}

export async function runSessionCycleVersions(): Promise<BenchRow[]> {
  const other = process.env.BENCH_OTHER_TREE;
  if (!other) throw new Error('set BENCH_OTHER_TREE to the checkout to compare with (see the comment at the top of this file)');
  const rounds = Number(process.env.BENCH_AB_ROUNDS ?? iterations(40, 2));
  const parallelRounds = Number(process.env.BENCH_AB_PARALLEL_ROUNDS ?? iterations(6, 1));
  const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const recording = process.env.BENCH_ENABLE_RECORDING;
  const trees = [
    await serve(`other (${other})`, resolve(other), recordingOptions(process.env.BENCH_OTHER_ENABLE_RECORDING ?? recording)),
    await serve('this tree', here, recordingOptions(recording)),
  ];
  try {
    // Warm-up: browsers, adblock lists, contexts kept for reuse.
    await interleaved(trees, 2, 1);
    await interleaved(trees, 1, 10);
    const base = trees[0]!;
    const sequential = await interleaved(trees, rounds, 1);
    const parallel = await interleaved(trees, parallelRounds, 10);
    await keepSamples([...sequential].map(([tree, cycles]) => ({ tree: tree.name, concurrency: 1, cycles })), [...parallel].map(([tree, cycles]) => ({ tree: tree.name, concurrency: 10, cycles })));
    return [...rowsFor(1, sequential, base), ...rowsFor(10, parallel, base)];
  } finally {
    for (const tree of trees) tree.child.stdin?.end();
    await Promise.all(trees.map((tree) => new Promise((resolveExit) => (tree.child.exitCode !== null ? resolveExit(undefined) : tree.child.once('exit', resolveExit)))));
  }
}

if (isMainModule(import.meta.url)) runStandalone('Session cycle, two versions side by side', runSessionCycleVersions);
