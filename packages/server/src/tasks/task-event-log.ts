import type { StoredTaskEvent, TaskEventName } from '@open-smooth/protocol';
import { taskTopic, type EventNotifier } from '../scale/event-notifier.js';
import type { TaskStore } from '../store/task-record.js';
import { ErrorAnswerDelay, InMemoryWithheldAnswers, type WithheldAnswerBook } from './error-answer-delay.js';

/**
 * Each task's event log: gives events strictly increasing millisecond timestamps (a client that
 * resumes from the last timestamp must not lose events) and wakes long-polls on any change,
 * through the notifier (in this process, or every process with Redis).
 */
export class TaskEventLog {
  private readonly lastTimestamps = new Map<string, number>();
  /** Error answers kept from clients that attach their answer handlers late. */
  readonly errorAnswers: ErrorAnswerDelay;

  /** Each task's appends in flight, chained: they reach the store one at a time, in call order. */
  private readonly appending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: TaskStore,
    private readonly notifier: EventNotifier,
    /** Shared by every process that writes or polls the tasks (Redis in distributed mode). */
    withheldAnswers: WithheldAnswerBook = new InMemoryWithheldAnswers(),
  ) {
    this.errorAnswers = new ErrorAnswerDelay(withheldAnswers, (taskId) => this.notify(taskId));
  }

  append(taskId: string, event: { id: string; name: TaskEventName; payload: Record<string, unknown> }): Promise<StoredTaskEvent> {
    const previous = this.appending.get(taskId);
    // With no append in flight the write starts now (SQLite then stores it before this returns).
    const write = previous ? previous.then(() => this.write(taskId, event)) : this.write(taskId, event);
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    this.appending.set(taskId, settled);
    void settled.then(() => {
      if (this.appending.get(taskId) === settled) this.appending.delete(taskId);
    });
    return write;
  }

  private async write(taskId: string, event: { id: string; name: TaskEventName; payload: Record<string, unknown> }): Promise<StoredTaskEvent> {
    // Withheld before the store has it, so no poll (in any process) reads it before it is known to be withheld.
    await this.errorAnswers.beforeAppend(taskId, event);
    // Claimed before the store is reached, so a heartbeat reserved meanwhile lands after this event.
    const proposed = await this.claimTimestamp(taskId);
    const stored = await this.store.appendEvent(taskId, { ...event, timestamp: proposed });
    // The store may have moved it later (another writer's event came first).
    if (stored.timestamp > (this.lastTimestamps.get(taskId) ?? 0)) this.lastTimestamps.set(taskId, stored.timestamp);
    await this.errorAnswers.afterAppend(taskId, stored);
    this.notify(taskId);
    return stored;
  }

  /**
   * A timestamp for something that is not stored (a heartbeat): every later event gets a greater
   * one, so a client whose cursor moves to it loses nothing. The store keeps the reservation, so
   * this holds for events another process appends too.
   */
  async reserveTimestamp(taskId: string): Promise<number> {
    const reserved = await this.store.reserveEventTimestamp(taskId, await this.claimTimestamp(taskId));
    if (reserved > (this.lastTimestamps.get(taskId) ?? 0)) this.lastTimestamps.set(taskId, reserved);
    return reserved;
  }

  /** The next timestamp as this process knows the log: past the last it stored, reserved or claimed. */
  private async claimTimestamp(taskId: string): Promise<number> {
    const known = this.lastTimestamps.get(taskId);
    const last = known ?? (await this.store.lastEventTimestamp(taskId));
    // Read again: another call may have reserved while the store was being read.
    const timestamp = Math.max(Date.now(), last + 1, (this.lastTimestamps.get(taskId) ?? 0) + 1);
    this.lastTimestamps.set(taskId, timestamp);
    return timestamp;
  }

  async lastTimestamp(taskId: string): Promise<number> {
    return this.lastTimestamps.get(taskId) ?? this.store.lastEventTimestamp(taskId);
  }

  /** Wakes every long-poll of the task (a new event or a status change). */
  notify(taskId: string): void {
    this.notifier.notify(taskTopic(taskId));
  }

  forget(taskId: string): void {
    this.lastTimestamps.delete(taskId);
    this.errorAnswers.forget(taskId);
  }
}
