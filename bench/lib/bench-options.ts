/** BENCH_QUICK=1 shrinks every benchmark to a few iterations, for the smoke test. */
export function isQuickMode(): boolean {
  const value = process.env.BENCH_QUICK;
  return value !== undefined && value !== '' && value !== '0';
}

/** The full count, or the quick one under BENCH_QUICK. */
export function iterations(full: number, quick: number): number {
  return isQuickMode() ? quick : full;
}
