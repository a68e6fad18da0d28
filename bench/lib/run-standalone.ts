import { pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-row.js';
import { printTable } from './print-table.js';

/** True when the module was started directly (`npx tsx bench/x.ts`), not imported by run-all. */
export function isMainModule(moduleUrl: string): boolean {
  const started = process.argv[1];
  return started !== undefined && pathToFileURL(started).href === moduleUrl;
}

/** Runs one benchmark alone: prints its table and exits non-zero on a crash. */
export function runStandalone(title: string, run: () => Promise<BenchRow[]>): void {
  run().then(
    (rows) => {
      printTable(title, rows);
    },
    (error: unknown) => {
      process.stderr.write(`${title} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
