import { readFile } from 'node:fs/promises';

import { rounded, summarize } from './lib/statistics.js';

/**
 * Pools the cycles several runs of session-cycle-versions.ts kept (`BENCH_SAMPLES_FILE`) and
 * prints, per concurrency and phase, each tree's p50 / p95 / mean and its ratio to the first
 * tree: `npx tsx bench/session-cycle-pooled.ts FILE`. One run's c=10 p95 is its 5th-slowest
 * cycle out of 100; pooled over runs it is a figure the load swings less.
 */

interface Group {
  tree: string;
  concurrency: number;
  cycles: Array<Record<string, number>>;
}

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx bench/session-cycle-pooled.ts SAMPLES_FILE');
const groups = (await readFile(file, 'utf8'))
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Group);

const pooled = new Map<string, Map<string, Array<Record<string, number>>>>();
for (const group of groups) {
  const key = `c=${group.concurrency}`;
  const trees = pooled.get(key) ?? new Map<string, Array<Record<string, number>>>();
  trees.set(group.tree, [...(trees.get(group.tree) ?? []), ...group.cycles]);
  pooled.set(key, trees);
}

const lines = ['| concurrency | phase | tree | n | p50 ms | p95 ms | mean ms | ratio p50 / p95 / mean |', '|---|---|---|---|---|---|---|---|'];
for (const [concurrency, trees] of pooled) {
  const [baseName, baseCycles] = [...trees][0]!;
  for (const phase of Object.keys(baseCycles[0] ?? {})) {
    const base = summarize(baseCycles.map((cycle) => cycle[phase] ?? Number.NaN));
    for (const [tree, cycles] of trees) {
      const summary = summarize(cycles.map((cycle) => cycle[phase] ?? Number.NaN));
      const ratio = `${(summary.p50 / base.p50).toFixed(2)} / ${(summary.p95 / base.p95).toFixed(2)} / ${(summary.mean / base.mean).toFixed(2)}`;
      lines.push(`| ${concurrency} | ${phase} | ${tree === baseName ? `${tree} (base)` : tree} | ${summary.count} | ${rounded(summary.p50)} | ${rounded(summary.p95)} | ${rounded(summary.mean)} | ${ratio} |`);
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
