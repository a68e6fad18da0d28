import { readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './lib/bench-row.js';
import { startBenchServer, benchApiKey } from './lib/bench-server.js';
import { descendantProcesses } from './lib/process-tree.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/**
 * Soak (issue 9): N one-shot tasks at concurrency C through the HTTP API, each driven by the
 * scripted model (observe a fixture page, then done), on one server in this process. Prints
 * throughput, latency from POST to a finished status, and the processes, open file descriptors
 * and RSS before, at the peak and after. Not part of the test suite; not in run-all (it is long).
 *
 *   SOAK_TASKS=100 SOAK_CONCURRENCY=10 npx tsx bench/soak.ts
 */

interface ResourceSample {
  processes: number;
  fileDescriptors: number;
  rssMiB: number;
}

async function sampleResources(): Promise<ResourceSample> {
  const [children, descriptors] = await Promise.all([descendantProcesses(process.pid), readdir('/proc/self/fd')]);
  return { processes: children.length, fileDescriptors: descriptors.length, rssMiB: process.memoryUsage().rss / (1024 * 1024) };
}

function peakOf(samples: ResourceSample[]): ResourceSample {
  return {
    processes: Math.max(...samples.map((sample) => sample.processes)),
    fileDescriptors: Math.max(...samples.map((sample) => sample.fileDescriptors)),
    rssMiB: Math.max(...samples.map((sample) => sample.rssMiB)),
  };
}

const taskTimeoutMs = 60_000;

async function runTask(apiBase: string, pageUrl: string): Promise<{ ms: number; status: string; error?: string }> {
  const started = performance.now();
  const created = await fetch(`${apiBase}/task`, {
    method: 'POST',
    headers: { apikey: benchApiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ task: 'Look at the page, then finish', url: pageUrl, device: 'desktop', max_steps: 4 }),
    signal: AbortSignal.timeout(30_000),
  });
  if (created.status !== 200) throw new Error(`POST /task answered ${created.status}: ${await created.text()}`);
  const { r } = (await created.json()) as { r: { id: string } };
  for (;;) {
    const polled = await fetch(`${apiBase}/task/${r.id}`, { headers: { apikey: benchApiKey }, signal: AbortSignal.timeout(30_000) });
    const body = (await polled.json()) as { r: { status: string; error?: string | null } };
    if (polled.status === 200) return { ms: performance.now() - started, status: body.r.status, ...(body.r.error ? { error: body.r.error } : {}) };
    // A task that never finishes is a finding, not a reason to hang the soak.
    if (performance.now() - started > taskTimeoutMs) return { ms: performance.now() - started, status: `stuck ${body.r.status}`, error: `${r.id} still ${body.r.status} after ${taskTimeoutMs / 1000} s` };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the process count stops falling (contexts closing after the run), at most `limitMs`. */
async function settledResources(limitMs: number): Promise<ResourceSample> {
  const deadline = Date.now() + limitMs;
  let last = await sampleResources();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = await sampleResources();
    if (next.processes >= last.processes && next.fileDescriptors >= last.fileDescriptors) return next;
    last = next;
  }
  return last;
}

export async function soak(taskCount = Number(process.env.SOAK_TASKS ?? 100), concurrency = Number(process.env.SOAK_CONCURRENCY ?? 10)): Promise<BenchRow[]> {
  const bench = await startBenchServer({ maxConcurrentTasks: concurrency });
  try {
    // Step 1 observes the page, step 2 says done: a real loop through the real provider code.
    bench.model.setPolicy((request) =>
      request.messages.some((message) => message.role === 'assistant')
        ? { toolCalls: [{ name: 'done', arguments: { answer: 'seen' } }] }
        : { toolCalls: [{ name: 'scroll', arguments: { direction: 'down' } }] },
    );
    const apiBase = `${bench.server.url}/api/v1`;
    const pageUrl = bench.fixtures.url('/flights');
    // One task first: the browser is launched and warm before anything is measured.
    const warm = await runTask(apiBase, pageUrl);
    process.stderr.write(`soak: warm-up task ${warm.status} in ${Math.round(warm.ms)} ms\n`);
    process.stderr.write('soak: measuring the baseline\n');
    const before = await settledResources(15_000);
    process.stderr.write(`soak: baseline ${JSON.stringify(before)}; running\n`);

    const samples: ResourceSample[] = [before];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sampleResources());
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const results: Array<{ ms: number; status: string; error?: string }> = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < taskCount) {
          next += 1;
          results.push(await runTask(apiBase, pageUrl));
          if (results.length % 10 === 0) process.stderr.write(`soak: ${results.length}/${taskCount} tasks finished\n`);
        }
      }),
    );
    const wallMs = performance.now() - started;
    sampling = false;
    await sampler;
    const peak = peakOf(samples);
    process.stderr.write('soak: run over; waiting for the processes to settle\n');
    const after = await settledResources(15_000);

    const latency = summarize(results.map((result) => result.ms));
    const done = results.filter((result) => result.status === 'done').length;
    const benchmark = 'soak';
    const row = (measure: string, unit: string, value: number, note?: string): BenchRow => ({ benchmark, measure, unit, value: rounded(value), ...(note ? { note } : {}) });
    return [
      row(
        `tasks done (N=${taskCount}, C=${concurrency})`,
        'tasks',
        done,
        done === taskCount ? undefined : `${taskCount - done} not done: ${[...new Set(results.filter((result) => result.status !== 'done').map((result) => `${result.status}: ${result.error ?? 'no reason given'}`))].join('; ')}`,
      ),
      row('throughput', 'tasks/s', (results.length / wallMs) * 1000),
      row('latency p50 (POST → finished)', 'ms', latency.p50),
      row('latency p99', 'ms', latency.p99),
      ...(['before', 'peak', 'after'] as const).flatMap((when) => {
        const sample = when === 'before' ? before : when === 'peak' ? peak : after;
        return [
          row(`processes ${when}`, 'count', sample.processes),
          row(`open fds ${when}`, 'count', sample.fileDescriptors),
          row(`RSS ${when} (this process: server + load)`, 'MiB', sample.rssMiB),
        ];
      }),
    ];
  } finally {
    await bench.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('Soak', () => soak());
