/** One figure of a benchmark, as printed in the tables and written to bench/results/<date>.json. */
export interface BenchRow {
  benchmark: string;
  /** What was measured, e.g. "c=1 cycle p50". */
  measure: string;
  unit: string;
  /** Ours; null when this part could not run (see note). */
  value: number | null;
  peerName?: string;
  peerValue?: number | null;
  /** value / peerValue, when both exist. */
  ratio?: number | null;
  /** The goal for this figure, in words, e.g. "<= 60 ms". */
  goal?: string;
  met?: boolean | null;
  note?: string;
}

export function ratioOf(value: number | null, peerValue: number | null | undefined): number | null {
  if (value === null || peerValue === null || peerValue === undefined || peerValue === 0) return null;
  return Math.round((value / peerValue) * 100) / 100;
}
