/**
 * Keeps a finished task reading `running` until a poll has fetched its last events (or a short
 * grace period passes): the official client stops reading events once it sees a finished status,
 * so an answer delivered together with `done` would be lost.
 */
export class FinishGate {
  private readonly deliveredThrough = new Map<string, number>();
  private readonly held = new Map<string, { throughTimestamp: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly graceMs: number,
    private readonly onRelease: (taskId: string) => void,
  ) {}

  /**
   * Holds the task when events up to `lastTimestamp` have not all reached a poll yet; `withheldMs`
   * is how long some of them are still kept out of sight (an error answer, see ErrorAnswerDelay):
   * the grace period starts after that.
   */
  holdUntilDelivered(taskId: string, lastTimestamp: number, withheldMs = 0): void {
    if (lastTimestamp <= (this.deliveredThrough.get(taskId) ?? 0)) return this.forget(taskId);
    const timer = setTimeout(() => this.release(taskId), withheldMs + this.graceMs);
    this.held.set(taskId, { throughTimestamp: lastTimestamp, timer });
  }

  isHeld(taskId: string): boolean {
    return this.held.has(taskId);
  }

  /** A poll's response carried events up to `timestamp`. */
  recordDelivered(taskId: string, timestamp: number): void {
    this.deliveredThrough.set(taskId, Math.max(timestamp, this.deliveredThrough.get(taskId) ?? 0));
    const hold = this.held.get(taskId);
    if (hold && timestamp >= hold.throughTimestamp) this.release(taskId);
  }

  private release(taskId: string): void {
    const hold = this.held.get(taskId);
    if (!hold) return;
    clearTimeout(hold.timer);
    this.forget(taskId);
    this.onRelease(taskId);
  }

  private forget(taskId: string): void {
    this.held.delete(taskId);
    this.deliveredThrough.delete(taskId);
  }

  close(): void {
    for (const hold of this.held.values()) clearTimeout(hold.timer);
    this.held.clear();
  }
}
