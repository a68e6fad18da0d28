import { spawn, type ChildProcess } from 'node:child_process';
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
  pageUrl: string;
  child: ChildProcess;
}

/** Started in each tree with that tree's tsx: a bench server on loopback, its addresses on stdout, stopped when stdin closes. */
const serverScript = `
import { startBenchServer } from './bench/lib/bench-server.ts';
const bench = await startBenchServer({ maxConcurrentTasks: 16 });
process.stdout.write(JSON.stringify({ apiUrl: bench.client.apiUrl, apiKey: bench.client.apiKey, pageUrl: bench.fixtures.url('/') }) + '\\n');
process.stdin.on('end', async () => { await bench.close(); process.exit(0); });
process.stdin.resume();
`;

async function serve(name: string, tree: string): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serverScript], { cwd: tree, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`the ${name} server exited with code ${code} before it was ready`)));
  });
  const { apiUrl, apiKey, pageUrl } = JSON.parse(first) as { apiUrl: string; apiKey: string; pageUrl: string };
  return { name, client: new SessionApiClient(apiUrl, apiKey), pageUrl, child };
}

/** `BENCH_ENABLE_RECORDING=0`: sessions ask for no recording (to compare with a version that had none). */
const sessionOptions = process.env.BENCH_ENABLE_RECORDING === '0' ? { enableRecording: false } : {};

async function oneCycle(served: Served): Promise<number> {
  const started = performance.now();
  const sessionId = await served.client.createSession('desktop', sessionOptions);
  await served.client.goto(sessionId, served.pageUrl);
  await served.client.close(sessionId);
  return performance.now() - started;
}

async function interleaved(trees: readonly Served[], rounds: number, concurrency: number): Promise<Map<Served, number[]>> {
  const samples = new Map<Served, number[]>(trees.map((tree) => [tree, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < trees.length; position += 1) {
      const tree = trees[(round + position) % trees.length]!;
      samples.get(tree)!.push(...(await Promise.all(Array.from({ length: concurrency }, () => oneCycle(tree)))));
    }
  }
  return samples;
}

function rowsFor(concurrency: number, samples: Map<Served, number[]>, base: Served): BenchRow[] {
  const baseline = summarize(samples.get(base)!);
  return [...samples].map(([tree, timings]) => {
    const summary = summarize(timings);
    return {
      benchmark: 'session-cycle-versions',
      measure: `${tree.name}: c=${concurrency} cycle p50 (n=${summary.count})`,
      unit: 'ms',
      value: rounded(summary.p50),
      note: `p95 ${rounded(summary.p95)}; ratio to ${base.name}: p50 ${(summary.p50 / baseline.p50).toFixed(2)}, p95 ${(summary.p95 / baseline.p95).toFixed(2)}`,
    };
  });
}

export async function runSessionCycleVersions(): Promise<BenchRow[]> {
  const other = process.env.BENCH_OTHER_TREE;
  if (!other) throw new Error('set BENCH_OTHER_TREE to the checkout to compare with (see the comment at the top of this file)');
  const rounds = Number(process.env.BENCH_AB_ROUNDS ?? iterations(40, 2));
  const parallelRounds = Number(process.env.BENCH_AB_PARALLEL_ROUNDS ?? iterations(6, 1));
  const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const trees = [await serve(`other (${other})`, resolve(other)), await serve('this tree', here)];
  try {
    // Warm-up: browsers, adblock lists, contexts kept for reuse.
    await interleaved(trees, 2, 1);
    await interleaved(trees, 1, 10);
    const base = trees[0]!;
    return [...rowsFor(1, await interleaved(trees, rounds, 1), base), ...rowsFor(10, await interleaved(trees, parallelRounds, 10), base)];
  } finally {
    for (const tree of trees) tree.child.stdin?.end();
    await Promise.all(trees.map((tree) => new Promise((resolveExit) => (tree.child.exitCode !== null ? resolveExit(undefined) : tree.child.once('exit', resolveExit)))));
  }
}

if (isMainModule(import.meta.url)) runStandalone('Session cycle, two versions side by side', runSessionCycleVersions);
