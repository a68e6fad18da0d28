import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/**
 * The session cycle's browser half, phase by phase, for two versions side by side (like
 * session-cycle-versions.ts, but without the HTTP server): each tree runs its own BrowserPool in a
 * process of its own, and batches of `openContext` (default recipe, reused per scope as the server
 * does) → `goto` a fixture page → `close({ reuse: true })` alternate between them. Phases per cycle:
 * open, navigation (goto's start to the page's DOMContentLoaded), after-load (the rest of goto:
 * settle and, where it exists, cosmetic filtering), close, and the cycle. `BENCH_NO_REUSE=1`: no
 * context is reused, so all but the pool's one warm context are created for their cycle (what a
 * batch pays when the previous batch's contexts are not back yet). `BENCH_VARIANTS` adds
 * more processes of this tree with other environments (`name:KEY=VALUE,KEY=VALUE;name2:...`), to
 * switch one piece off at a time; `BENCH_MORE_TREES` more checkouts (`name=DIR;name2=DIR2`).
 */

interface CyclePhases {
  open: number;
  navigation: number;
  afterLoad: number;
  close: number;
  cycle: number;
}

interface Version {
  name: string;
  child: ChildProcess;
  lines: Interface;
}

/** Runs in each tree (its own tsx and @open-smooth links): a pool, a fixture server, batches on request. */
const childScript = `
import { performance } from 'node:perf_hooks';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BrowserPool } from '@open-smooth/browser';
import { startFixtureServer, loopbackNetworkAllowance } from './bench/lib/testkit.ts';
const fixtures = await startFixtureServer();
const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance });
await pool.whenWarm();
const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-phases-'));
const pageUrl = fixtures.url(process.env.BENCH_PAGE_PATH ?? '/');
async function cycle() {
  const started = performance.now();
  const task = await pool.openContext({ device: 'desktop', ...(process.env.BENCH_NO_REUSE === '1' ? {} : { reuseScope: 'bench' }), downloadsDirectory });
  const opened = performance.now();
  let loaded = 0;
  task.page.once('domcontentloaded', () => (loaded = performance.now()));
  await task.goto(pageUrl);
  const navigated = performance.now();
  if (loaded === 0) loaded = navigated;
  await task.close({ reuse: process.env.BENCH_NO_REUSE !== '1' });
  const closed = performance.now();
  return { open: opened - started, navigation: loaded - opened, afterLoad: navigated - loaded, close: closed - navigated, cycle: closed - started };
}
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'quit') break;
  const concurrency = Number(line);
  const phases = await Promise.all(Array.from({ length: concurrency }, cycle));
  await pool.whenWarm();
  process.stdout.write(JSON.stringify(phases) + '\\n');
}
await pool.close();
await fixtures.close();
process.exit(0);
`;

function parseVariants(text: string | undefined): Array<{ name: string; environment: Record<string, string> }> {
  if (!text) return [];
  return text.split(';').map((entry) => {
    const [name = '', settings = ''] = entry.split(':');
    const environment = Object.fromEntries(settings.split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    return { name: name.trim(), environment };
  });
}

function start(name: string, tree: string, environment: Record<string, string> = {}): Version {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childScript], {
    cwd: tree,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...environment },
  });
  return { name, child, lines: createInterface({ input: child.stdout! }) };
}

async function batch(version: Version, concurrency: number): Promise<CyclePhases[]> {
  const answer = new Promise<string>((resolveLine, reject) => {
    const exited = (code: number | null) => reject(new Error(`${version.name} exited with code ${code}`));
    version.child.once('exit', exited);
    version.lines.once('line', (line) => {
      version.child.off('exit', exited);
      resolveLine(line);
    });
  });
  version.child.stdin!.write(`${concurrency}\n`);
  return JSON.parse(await answer) as CyclePhases[];
}

async function interleaved(versions: readonly Version[], rounds: number, concurrency: number): Promise<Map<Version, CyclePhases[]>> {
  const samples = new Map<Version, CyclePhases[]>(versions.map((version) => [version, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < versions.length; position += 1) {
      const version = versions[(round + position) % versions.length]!;
      samples.get(version)!.push(...(await batch(version, concurrency)));
    }
  }
  return samples;
}

const phaseNames: ReadonlyArray<keyof CyclePhases> = ['open', 'navigation', 'afterLoad', 'close', 'cycle'];

function rowsFor(concurrency: number, samples: Map<Version, CyclePhases[]>, base: Version): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const phase of phaseNames) {
    const baseline = summarize(samples.get(base)!.map((cycle) => cycle[phase]));
    for (const [version, cycles] of samples) {
      const summary = summarize(cycles.map((cycle) => cycle[phase]));
      rows.push({
        benchmark: 'session-cycle-phases',
        measure: `${version.name}: c=${concurrency} ${phase} p50 (n=${summary.count})`,
        unit: 'ms',
        value: rounded(summary.p50),
        note: `p95 ${rounded(summary.p95)}, mean ${rounded(summary.mean)}; ratio to ${base.name}: p50 ${(summary.p50 / baseline.p50).toFixed(2)}, p95 ${(summary.p95 / baseline.p95).toFixed(2)}`,
      });
    }
  }
  return rows;
}

export async function runSessionCyclePhases(): Promise<BenchRow[]> {
  const other = process.env.BENCH_OTHER_TREE;
  if (!other) throw new Error('set BENCH_OTHER_TREE to the checkout to compare with (see session-cycle-versions.ts)');
  const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
  const rounds = Number(process.env.BENCH_AB_PARALLEL_ROUNDS ?? 8);
  const versions = [
    start('other', resolve(other)),
    start('this tree', here),
    ...parseVariants(process.env.BENCH_VARIANTS).map((variant) => start(`this tree, ${variant.name}`, here, variant.environment)),
    ...(process.env.BENCH_MORE_TREES ?? '').split(';').filter(Boolean).map((entry) => {
      const [name = entry, tree = entry] = entry.split('=');
      return start(name, resolve(tree));
    }),
  ];
  try {
    await interleaved(versions, 2, concurrency);
    return rowsFor(concurrency, await interleaved(versions, rounds, concurrency), versions[0]!);
  } finally {
    for (const version of versions) version.child.stdin?.end('quit\n');
    await Promise.all(versions.map((version) => new Promise((resolveExit) => (version.child.exitCode !== null ? resolveExit(undefined) : version.child.once('exit', resolveExit)))));
  }
}

if (isMainModule(import.meta.url)) runStandalone('Session cycle phases, two versions side by side', runSessionCyclePhases);
