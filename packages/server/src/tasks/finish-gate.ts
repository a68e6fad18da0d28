/**
 * Keeps a finished task reading `running` until a poll has fetched its last events (or a short
 * grace period passes): the official client stops reading events once it sees a finished status,
 * so an answer delivered together with `done` would be lost. For the same reason, during the grace
 * period any poll that carries events reads `running`, even after another poll fetched them: the
 * official client may have two polls in flight, and the one it reads events from (its poller) is
 * not always the first to be answered (its "connect" GET's events are never read).
 *
 * The process that ends a task holds it; any process that answers polls records deliveries and
 * reads the state, so in distributed mode the state is shared (`RedisFinishGate`); one process
 * keeps it in memory (`InMemoryFinishGate`). Both forget a hold by themselves when it runs out;
 * waking the polls then is the caller's part (they read the state again when woken).
 */
export interface FinishGate {
  /**
   * Holds the task for `holdMs` (grace, plus however long an error answer is still withheld) when
   * events up to `lastTimestamp` have not all reached a poll yet; every poll carrying events reads
   * `running` for that time in any case. Resolves with whether the task is held.
   */
  holdUntilDelivered(taskId: string, lastTimestamp: number, holdMs: number): Promise<boolean>;
  /** Whether a finished task still reads `running` to every poll. */
  isHeld(taskId: string): Promise<boolean>;
  /** Whether a poll of the finished task that carries events must still read `running`. */
  inGracePeriod(taskId: string): Promise<boolean>;
  /** A poll's response carried events up to `timestamp`; resolves with whether that released a hold. */
  recordDelivered(taskId: string, timestamp: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The gate of one process (embedded mode): maps, and timers that forget a hold when it runs out. */
export class InMemoryFinishGate implements FinishGate {
  private readonly deliveredThrough = new Map<string, number>();
  private readonly held = new Map<string, { throughTimestamp: number; timer: NodeJS.Timeout }>();
  private readonly graceUntil = new Map<string, number>();

  async holdUntilDelivered(taskId: string, lastTimestamp: number, holdMs: number): Promise<boolean> {
    const graceUntil = Date.now() + holdMs;
    this.graceUntil.set(taskId, graceUntil);
    setTimeout(() => {
      if (this.graceUntil.get(taskId) === graceUntil) this.graceUntil.delete(taskId);
    }, holdMs).unref();
    this.releaseHold(taskId);
    if (lastTimestamp <= (this.deliveredThrough.get(taskId) ?? 0)) {
      this.deliveredThrough.delete(taskId);
      return false;
    }
    const timer = setTimeout(() => this.release(taskId), holdMs);
    timer.unref();
    this.held.set(taskId, { throughTimestamp: lastTimestamp, timer });
    return true;
  }

  async inGracePeriod(taskId: string): Promise<boolean> {
    return (this.graceUntil.get(taskId) ?? 0) > Date.now();
  }

  async isHeld(taskId: string): Promise<boolean> {
    return this.held.has(taskId);
  }

  async recordDelivered(taskId: string, timestamp: number): Promise<boolean> {
    this.deliveredThrough.set(taskId, Math.max(timestamp, this.deliveredThrough.get(taskId) ?? 0));
    const hold = this.held.get(taskId);
    if (!hold || timestamp < hold.throughTimestamp) return false;
    this.release(taskId);
    return true;
  }

  private release(taskId: string): void {
    this.releaseHold(taskId);
    this.deliveredThrough.delete(taskId);
  }

  private releaseHold(taskId: string): void {
    const hold = this.held.get(taskId);
    if (!hold) return;
    clearTimeout(hold.timer);
    this.held.delete(taskId);
  }

  async close(): Promise<void> {
    for (const hold of this.held.values()) clearTimeout(hold.timer);
    this.held.clear();
    this.graceUntil.clear();
    this.deliveredThrough.clear();
  }
}
