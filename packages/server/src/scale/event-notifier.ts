/**
 * What a long-poll waits on. A task's topic changes with each new event and status change; a
 * key's queue topic changes when its waiting tasks move (one started or left), so the positions
 * its waiting tasks report changed.
 */
export const taskTopic = (taskId: string): string => `task:${taskId}`;
export const queueTopic = (key: string): string => `queue:${key}`;

/** A registration for the next change of some topics. */
export interface ChangeWatch {
  /** Resolves on the first notify of any watched topic after the watch began (never rejects). */
  readonly changed: Promise<void>;
  /** Stops watching (the promise then never resolves); safe to call twice. */
  close(): void;
}

/**
 * Wakes long-polls when something they wait for changed, in this process or (Redis) any other.
 * Watch first, then read the state, then await `changed`: a change made after the read is never missed.
 * Implementations: `InProcessEventNotifier`, `RedisEventNotifier`.
 */
export interface EventNotifier {
  /** Wakes every watch of `topic`. Best effort: a failure is logged, never thrown at the writer. */
  notify(topic: string): void;
  watch(topics: readonly string[]): ChangeWatch;
  close(): Promise<void>;
}

/**
 * Waits until the watch fires, `timeoutMs` passes or `signal` aborts, then closes the watch.
 */
export async function waitForChange(watch: ChangeWatch, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    if (signal.aborted || timeoutMs <= 0) return;
    await Promise.race([
      watch.changed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    watch.close();
  }
}
