import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAgentOverhead } from './agent-overhead.js';
import { runApiLoad } from './api-load.js';
import { runBrowserOptions } from './browser-options.js';
import { runLiveAndRecordingBench } from './live-and-recording.js';
import { isQuickMode } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { describeMachine } from './lib/machine-description.js';
import { printTable } from './lib/print-table.js';
import { runMemory } from './memory.js';
import { runObservationNoise } from './observation-noise.js';
import { runObservationSize } from './observation-size.js';
import { runActBreakdown } from './profiles/act-breakdown.js';
import { runApiCpuProfile } from './profiles/api-cpu-profile.js';
import { runCycleCpu } from './profiles/cycle-cpu.js';
import { runGotoBreakdown } from './profiles/goto-breakdown.js';
import { runRendererBreakdown } from './profiles/renderer-breakdown.js';
import { runSessionCycle } from './session-cycle.js';
import { runVisionTokens } from './vision-tokens.js';

/** `npm run bench`: every benchmark in turn, one combined table, results in bench/results/<date>.json. */

const benchmarks: Array<[string, () => Promise<BenchRow[]>]> = [
  ['session-cycle', runSessionCycle],
  ['agent-overhead', runAgentOverhead],
  ['observation-size', runObservationSize],
  ['observation-noise', runObservationNoise],
  ['memory', runMemory],
  ['api-load', runApiLoad],
  ['browser-options', runBrowserOptions],
  ['vision-tokens', runVisionTokens],
  ['live-and-recording', runLiveAndRecordingBench],
];

/** The profiles behind the README's explanations of missed goals; run with BENCH_PROFILES=1. */
const profiles: Array<[string, () => Promise<BenchRow[]>]> = [
  ['profile-goto', runGotoBreakdown],
  ['profile-cycle-cpu', runCycleCpu],
  ['profile-act', runActBreakdown],
  ['profile-renderers', runRendererBreakdown],
  ['profile-api-cpu', () => runApiCpuProfile()],
];

/** BENCH_ONLY=memory,api-load runs a subset; BENCH_PROFILES=1 adds the profiles. */
function selectedBenchmarks(): Array<[string, () => Promise<BenchRow[]>]> {
  const withProfiles = process.env.BENCH_PROFILES === '1' ? [...benchmarks, ...profiles] : benchmarks;
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  return only && only.length > 0 ? withProfiles.filter(([name]) => only.includes(name)) : withProfiles;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machineBefore = describeMachine();
  const rows: BenchRow[] = [];
  for (const [name, run] of selectedBenchmarks()) {
    process.stderr.write(`running ${name}…\n`);
    try {
      const benchmarkRows = await run();
      printTable(name, benchmarkRows);
      rows.push(...benchmarkRows);
    } catch (error) {
      // One broken benchmark must not hide the others' figures.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
      rows.push({ benchmark: name, measure: 'run', unit: '-', value: null, met: null, note: `could not run: ${message.split('\n')[0]}` });
    }
  }
  printTable('all benchmarks', rows);
  const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(resultsDirectory, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDirectory, `${stamp}${isQuickMode() ? '-quick' : ''}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `${process.env.BENCH_PROFILES === '1' ? 'BENCH_PROFILES=1 ' : ''}${process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run-all.ts'}`,
    quick: isQuickMode(),
    machine: { ...machineBefore, loadAverageAfter: describeMachine().loadAverage },
    rows,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nresults written to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
