import type { BenchRow } from './bench-row.js';

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  return String(value);
}

const columns: Array<[string, (row: BenchRow) => unknown]> = [
  ['benchmark', (row) => row.benchmark],
  ['measure', (row) => row.measure],
  ['ours', (row) => row.value],
  ['unit', (row) => row.unit],
  ['peer', (row) => (row.peerName === undefined ? undefined : `${row.peerName}: ${cell(row.peerValue)}`)],
  ['ratio', (row) => row.ratio],
  ['goal', (row) => row.goal],
  ['met', (row) => row.met],
  ['note', (row) => row.note],
];

/** The rows as a Markdown table, readable in a terminal and pasteable into bench/README.md. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = `| ${columns.map(([name]) => name).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  const body = rows.map((row) => `| ${columns.map(([, read]) => cell(read(row)).replaceAll('|', '\\|')).join(' | ')} |`);
  return [header, rule, ...body].join('\n');
}

export function printTable(title: string, rows: readonly BenchRow[]): void {
  process.stdout.write(`\n## ${title}\n\n${formatTable(rows)}\n`);
}
