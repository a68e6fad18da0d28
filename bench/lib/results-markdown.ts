import { readFile } from 'node:fs/promises';
import type { BenchRow } from './bench-row.js';
import { formatTable } from './print-table.js';

/**
 * `npx tsx bench/lib/results-markdown.ts bench/results/<date>.json` prints a results file's tables
 * (benchmarks, then profiles) as Markdown, the way bench/README.md shows them.
 */

interface ResultsFile {
  startedAt: string;
  finishedAt: string;
  command: string;
  rows: BenchRow[];
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: tsx bench/lib/results-markdown.ts bench/results/<date>.json');
  const results = JSON.parse(await readFile(path, 'utf8')) as ResultsFile;
  const isProfile = (row: BenchRow) => row.benchmark.startsWith('profile');
  process.stdout.write(`${formatTable(results.rows.filter((row) => !isProfile(row)))}\n\n${formatTable(results.rows.filter(isProfile))}\n`);
}

await main();
