/**
 * Who drives a task's browser: the agent, or a person through the interactive live view. While a
 * person has control the agent waits before its next step; the person hands back explicitly (or
 * by leaving the live view, so a closed tab cannot hold a task forever).
 */
export class ControlGate {
  #holder: string | undefined;
  readonly #waiters = new Set<() => void>();
  readonly #listeners = new Set<() => void>();

  get personInControl(): boolean {
    return this.#holder !== undefined;
  }

  /** The agent has a step to take and waits for the person to hand back. */
  get agentWaiting(): boolean {
    return this.#waiters.size > 0;
  }

  isHeldBy(viewerId: string): boolean {
    return this.#holder === viewerId;
  }

  /** The viewer takes control (from the agent, or from another viewer). */
  take(viewerId: string): void {
    if (this.#holder === viewerId) return;
    this.#holder = viewerId;
    this.#changed();
  }

  /** The viewer gives control back to the agent; nothing happens when it did not hold it. */
  handBack(viewerId: string): void {
    if (this.#holder !== viewerId) return;
    this.#holder = undefined;
    for (const wake of [...this.#waiters]) wake();
    this.#changed();
  }

  /** Resolves when no person has control (at once when none has); rejects when signal aborts. */
  agentTurn(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#holder === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        this.#waiters.delete(done);
        this.#changed();
        reject(signal.reason);
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', aborted, { once: true });
      this.#changed();
    });
  }

  /** Calls listener whenever control changes hands; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
