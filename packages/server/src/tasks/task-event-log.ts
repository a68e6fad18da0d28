import type { StoredTaskEvent, TaskEventName } from '@open-smooth/protocol';
import type { TaskStore } from '../store/task-record.js';
import { ErrorAnswerDelay } from './error-answer-delay.js';

/**
 * Each task's event log: gives events strictly increasing millisecond timestamps (a client that
 * resumes from the last timestamp must not lose events) and wakes long-polls on any change.
 */
export class TaskEventLog {
  private readonly lastTimestamps = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Error answers kept from clients that attach their answer handlers late. */
  readonly errorAnswers = new ErrorAnswerDelay((taskId) => this.notify(taskId));

  constructor(private readonly store: TaskStore) {}

  append(taskId: string, event: { id: string; name: TaskEventName; payload: Record<string, unknown> }): StoredTaskEvent {
    const last = this.lastTimestamps.get(taskId) ?? this.store.lastEventTimestamp(taskId);
    const timestamp = Math.max(Date.now(), last + 1);
    this.lastTimestamps.set(taskId, timestamp);
    const stored: StoredTaskEvent = { ...event, timestamp };
    this.store.appendEvent(taskId, stored);
    this.errorAnswers.eventAppended(taskId, stored);
    this.notify(taskId);
    return stored;
  }

  /**
   * A timestamp for something that is not stored (a heartbeat): every later event gets a greater
   * one, so a client whose cursor moves to it loses nothing.
   */
  reserveTimestamp(taskId: string): number {
    const timestamp = Math.max(Date.now(), this.lastTimestamp(taskId) + 1);
    this.lastTimestamps.set(taskId, timestamp);
    return timestamp;
  }

  lastTimestamp(taskId: string): number {
    return this.lastTimestamps.get(taskId) ?? this.store.lastEventTimestamp(taskId);
  }

  /** Wakes every long-poll of the task (a new event or a status change). */
  notify(taskId: string): void {
    const waiting = this.waiters.get(taskId);
    if (!waiting) return;
    this.waiters.delete(taskId);
    for (const wake of waiting) wake();
  }

  /** Resolves on the task's next change, after `timeoutMs`, or when `signal` aborts. */
  waitForChange(taskId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let waiting = this.waiters.get(taskId);
      if (!waiting) this.waiters.set(taskId, (waiting = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.get(taskId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      waiting.add(done);
    });
  }

  forget(taskId: string): void {
    this.lastTimestamps.delete(taskId);
    this.errorAnswers.forget(taskId);
  }
}
