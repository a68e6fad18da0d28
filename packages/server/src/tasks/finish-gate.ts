/**
 * Keeps a finished task reading `running` until a poll has fetched its last events (or a short
 * grace period passes): the official client stops reading events once it sees a finished status,
 * so an answer delivered together with `done` would be lost. For the same reason, during the grace
 * period any poll that carries events reads `running`, even after another poll fetched them: the
 * official client may have two polls in flight, and the one it reads events from (its poller) is
 * not always the first to be answered (its "connect" GET's events are never read).
 */
export class FinishGate {
  private readonly deliveredThrough = new Map<string, number>();
  private readonly held = new Map<string, { throughTimestamp: number; timer: NodeJS.Timeout }>();
  private readonly graceUntil = new Map<string, number>();

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
    const graceUntil = Date.now() + withheldMs + this.graceMs;
    this.graceUntil.set(taskId, graceUntil);
    setTimeout(() => {
      if (this.graceUntil.get(taskId) === graceUntil) this.graceUntil.delete(taskId);
    }, withheldMs + this.graceMs).unref();
    if (lastTimestamp <= (this.deliveredThrough.get(taskId) ?? 0)) return this.forget(taskId);
    const timer = setTimeout(() => this.release(taskId), withheldMs + this.graceMs);
    this.held.set(taskId, { throughTimestamp: lastTimestamp, timer });
  }

  /** Whether a poll of the finished task that carries events must still read `running`. */
  inGracePeriod(taskId: string): boolean {
    return (this.graceUntil.get(taskId) ?? 0) > Date.now();
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
    this.graceUntil.clear();
  }
}
