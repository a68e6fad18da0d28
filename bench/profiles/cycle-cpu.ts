import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { startBenchServer } from '../lib/bench-server.js';
import { chromiumProcesses, descendantProcesses } from '../lib/process-tree.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';
import { rounded } from '../lib/statistics.js';
import { cycles } from '../session-cycle.js';

/**
 * Profile behind the session-cycle figures at c=10: the CPU one create → goto → close costs, by
 * process (Chromium's browser process, renderers, GPU process, network/storage utilities, and the
 * Node process that holds the server, Playwright and the bench's HTTP client). On a machine with
 * few cores, CPU per cycle sets a floor under the wall time of concurrent cycles.
 * A process that exits during the run is not counted (an undercount); with reused contexts few do.
 */

/** CPU (ms) of each Chromium process by pid, with its kind. */
async function chromiumCpu(): Promise<Map<number, { kind: string; cpuMs: number }>> {
  const byPid = new Map<number, { kind: string; cpuMs: number }>();
  for (const info of chromiumProcesses(await descendantProcesses(process.pid))) byPid.set(info.pid, { kind: info.kind, cpuMs: info.cpuMs });
  return byPid;
}

/** CPU used between two readings, by process kind; a process that ended in between is not counted. */
function cpuByKindBetween(before: Map<number, { cpuMs: number }>, after: Map<number, { kind: string; cpuMs: number }>): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const [pid, { kind, cpuMs }] of after) byKind.set(kind, (byKind.get(kind) ?? 0) + cpuMs - (before.get(pid)?.cpuMs ?? 0));
  return byKind;
}

function nodeCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export async function runCycleCpu(): Promise<BenchRow[]> {
  const count = iterations(100, 3);
  const bench = await startBenchServer({ maxConcurrentTasks: 16 });
  const rows: BenchRow[] = [];
  const cores = cpus().length;
  try {
    const pageUrl = bench.fixtures.url('/');
    for (const concurrency of [1, iterations(10, 2)]) {
      await cycles(bench, pageUrl, concurrency * 2, concurrency);
      const chromiumBefore = await chromiumCpu();
      const nodeBefore = nodeCpuMs();
      const started = performance.now();
      await cycles(bench, pageUrl, count, concurrency);
      const wallPerCycle = (performance.now() - started) / count;
      const nodePerCycle = (nodeCpuMs() - nodeBefore) / count;
      const perKind = [...cpuByKindBetween(chromiumBefore, await chromiumCpu())].map(([kind, cpuMs]) => [kind, cpuMs / count] as const);
      const chromiumPerCycle = perKind.reduce((total, [, cpuMs]) => total + cpuMs, 0);
      const totalPerCycle = chromiumPerCycle + nodePerCycle;
      const benchmark = 'profile: cycle cpu';
      const breakdown = [...perKind.filter(([, cpuMs]) => cpuMs >= 0.5).sort((a, b) => b[1] - a[1]), ['node (server, Playwright, bench client)', nodePerCycle] as const]
        .map(([kind, cpuMs]) => `${kind} ${rounded(cpuMs)}`)
        .join(', ');
      rows.push(
        { benchmark, measure: `c=${concurrency} CPU per cycle, all processes (n=${count})`, unit: 'ms', value: rounded(totalPerCycle), note: breakdown },
        {
          benchmark,
          measure: `c=${concurrency} wall time per cycle (cycles / elapsed)`,
          unit: 'ms',
          value: rounded(wallPerCycle),
          note: `CPU per cycle / ${cores} cores = ${rounded(totalPerCycle / cores)} ms: the least wall time per cycle this machine allows; ${rounded(totalPerCycle / wallPerCycle)} cores busy on average`,
        },
      );
    }
    return rows;
  } finally {
    await bench.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('profile-cycle-cpu', runCycleCpu);
