import { performance } from 'node:perf_hooks';

import { startAdSite } from '@open-smooth/testkit';

import { iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { startBenchServer, type BenchServer } from './lib/bench-server.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/**
 * What the default recipe's two costly defaults (adblock, recording) add to a session cycle
 * (create → goto → close over the HTTP API), measured side by side in one run: the four
 * combinations of use_adblock and enable_recording take turns cycle by cycle (c=1) and batch by
 * batch (c=10), so a loaded machine's swings hit every variant alike. Read the ratios to the
 * variant with both off, not the absolute figures.
 */

interface Variant {
  label: string;
  useAdblock: boolean;
  enableRecording: boolean;
}

const variants: readonly Variant[] = [
  { label: 'default (adblock on, recording on)', useAdblock: true, enableRecording: true },
  { label: 'adblock off, recording on', useAdblock: false, enableRecording: true },
  { label: 'adblock on, recording off', useAdblock: true, enableRecording: false },
  { label: 'adblock off, recording off', useAdblock: false, enableRecording: false },
];

async function oneCycle(bench: BenchServer, pageUrl: string, variant: Variant): Promise<number> {
  const started = performance.now();
  const sessionId = await bench.client.createSession('desktop', { useAdblock: variant.useAdblock, enableRecording: variant.enableRecording });
  await bench.client.goto(sessionId, pageUrl);
  await bench.client.close(sessionId);
  return performance.now() - started;
}

/** Rounds of one cycle per variant (c=1) or of `concurrency` parallel cycles per variant, the order rotating each round. */
async function interleaved(bench: BenchServer, pageUrl: string, rounds: number, concurrency: number): Promise<Map<Variant, number[]>> {
  const samples = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < variants.length; position += 1) {
      const variant = variants[(round + position) % variants.length]!;
      const timings = await Promise.all(Array.from({ length: concurrency }, () => oneCycle(bench, pageUrl, variant)));
      samples.get(variant)!.push(...timings);
    }
  }
  return samples;
}

function rowsFor(page: string, concurrency: number, samples: Map<Variant, number[]>): BenchRow[] {
  const baseline = summarize(samples.get(variants[3]!)!);
  return variants.map((variant) => {
    const summary = summarize(samples.get(variant)!);
    return {
      benchmark: 'default-recipe-ab',
      measure: `${page}, c=${concurrency}, ${variant.label}: cycle p50 (n=${summary.count})`,
      unit: 'ms',
      value: rounded(summary.p50),
      note: `p95 ${rounded(summary.p95)}; ratio to both off: p50 ${(summary.p50 / baseline.p50).toFixed(2)}, p95 ${(summary.p95 / baseline.p95).toFixed(2)}`,
    };
  });
}

export async function runDefaultRecipeAb(): Promise<BenchRow[]> {
  const rounds = Number(process.env.BENCH_AB_ROUNDS ?? iterations(30, 2));
  const parallelRounds = Number(process.env.BENCH_AB_PARALLEL_ROUNDS ?? iterations(4, 1));
  const bench = await startBenchServer({ maxConcurrentTasks: 16 });
  const ads = await startAdSite();
  try {
    const rows: BenchRow[] = [];
    const pages = [
      { name: 'fixture home page', url: bench.fixtures.url('/') },
      { name: 'ad-free article (12 requests)', url: ads.plainUrl },
    ];
    for (const page of pages) {
      // Warm-up: the browser, the adblock lists, contexts kept for reuse by every variant.
      await interleaved(bench, page.url, 1, 1);
      await interleaved(bench, page.url, 1, 10);
      rows.push(...rowsFor(page.name, 1, await interleaved(bench, page.url, rounds, 1)));
      rows.push(...rowsFor(page.name, 10, await interleaved(bench, page.url, parallelRounds, 10)));
    }
    return rows;
  } finally {
    await bench.close();
    await ads.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('Default recipe A/B (adblock, recording)', runDefaultRecipeAb);
