export type LoopGuardVerdict = 'ok' | 'warn' | 'fail';

/**
 * Notices when the same actions run on the same page state again and again, so the agent is told,
 * and the task fails with a reason rather than burning its remaining steps.
 */
export class LoopGuard {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly warnAt = 3,
    private readonly failAt = 5,
  ) {}

  /** Records one step; says whether to warn the model or give up. */
  record(pageState: string, actions: string): LoopGuardVerdict {
    const key = `${pageState}\u0000${actions}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count >= this.failAt) return 'fail';
    return count >= this.warnAt ? 'warn' : 'ok';
  }
}
