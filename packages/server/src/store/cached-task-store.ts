import type { StepRecord, StoredTaskEvent } from '@open-smooth/protocol';
import type { CommandRecord, DownloadRecord, TaskRecord, TaskStore, TaskUpdate } from './task-record.js';

export interface TaskStoreCacheLimits {
  /** Tasks whose record (and event log) are kept in memory; the longest held goes first. */
  maxTasks: number;
  /** A task with more events than this reads them from the store each time (bounds memory). */
  maxEventsPerTask: number;
}

const defaultLimits: TaskStoreCacheLimits = { maxTasks: 1024, maxEventsPerTask: 256 };

interface CachedTask {
  record?: TaskRecord;
  /** Every event of the task, in order; undefined until read. */
  events?: readonly StoredTaskEvent[];
  /** The log outgrew maxEventsPerTask: it is read from the store, filtered there. */
  tooManyEvents?: boolean;
}

/**
 * Read-through cache in front of the task store: polls of live tasks (thousands a second) read
 * records and events from memory instead of SQLite + JSON.parse. This process is the store's only
 * writer, so every write here drops what it changes and the next read reloads it from the store:
 * a cached value is always exactly what the store would return. Cached values are frozen and
 * replaced, never changed, so callers may key per-value caches (serialized bodies) on identity.
 */
export class CachedTaskStore implements TaskStore {
  private readonly tasks = new Map<string, CachedTask>();

  constructor(
    private readonly inner: TaskStore,
    private readonly limits: TaskStoreCacheLimits = defaultLimits,
  ) {}

  /** The entry of a task, created (making room) when missing. */
  private entry(taskId: string): CachedTask {
    const existing = this.tasks.get(taskId);
    if (existing) return existing;
    // Map order is insertion order: the first key is the longest held. Hits do not reorder, so a
    // read stays a single lookup; an evicted live task is simply read again from the store.
    if (this.tasks.size >= this.limits.maxTasks) {
      const oldest = this.tasks.keys().next();
      if (!oldest.done) this.tasks.delete(oldest.value);
    }
    const entry: CachedTask = {};
    this.tasks.set(taskId, entry);
    return entry;
  }

  createTask(task: TaskRecord): void {
    this.inner.createTask(task);
    this.tasks.delete(task.id);
  }

  getTask(id: string): TaskRecord | undefined {
    const cached = this.tasks.get(id)?.record;
    if (cached) return cached;
    const record = this.inner.getTask(id);
    // Unknown ids are not cached: anyone could fill the cache with them.
    if (record) this.entry(id).record = Object.freeze(record);
    return record;
  }

  getTaskByDownloadsToken(token: string): TaskRecord | undefined {
    return this.inner.getTaskByDownloadsToken(token);
  }

  listTasks(tenant: string, limit: number, beforeMs?: number): TaskRecord[] {
    return this.inner.listTasks(tenant, limit, beforeMs);
  }

  updateTask(id: string, update: TaskUpdate): void {
    this.inner.updateTask(id, update);
    const entry = this.tasks.get(id);
    if (entry) entry.record = undefined;
  }

  failLiveTasks(reason: string): number {
    this.tasks.clear();
    return this.inner.failLiveTasks(reason);
  }

  appendEvent(taskId: string, event: StoredTaskEvent): void {
    this.inner.appendEvent(taskId, event);
    const entry = this.tasks.get(taskId);
    if (entry) entry.events = undefined;
  }

  listEvents(taskId: string, afterTimestamp: number): StoredTaskEvent[] {
    const cached = this.tasks.get(taskId);
    if (cached?.tooManyEvents) return this.inner.listEvents(taskId, afterTimestamp);
    const events = cached?.events ?? this.loadEvents(taskId);
    // Timestamps increase strictly along the log, so the events after T are a suffix.
    let start = events.length;
    while (start > 0 && (events[start - 1]?.timestamp ?? 0) > afterTimestamp) start -= 1;
    return events.slice(start);
  }

  /** Reads the task's whole event log, keeping it in memory unless it is too long to. */
  private loadEvents(taskId: string): readonly StoredTaskEvent[] {
    const events = this.inner.listEvents(taskId, Number.MIN_SAFE_INTEGER);
    const entry = this.entry(taskId);
    if (events.length > this.limits.maxEventsPerTask) {
      entry.tooManyEvents = true;
      return events;
    }
    for (const event of events) Object.freeze(event);
    return (entry.events = Object.freeze(events));
  }

  lastEventTimestamp(taskId: string): number {
    const cached = this.tasks.get(taskId)?.events;
    if (cached) return cached.at(-1)?.timestamp ?? 0;
    return this.inner.lastEventTimestamp(taskId);
  }

  addStep(taskId: string, step: StepRecord): void {
    this.inner.addStep(taskId, step);
  }

  listSteps(taskId: string): StepRecord[] {
    return this.inner.listSteps(taskId);
  }

  countSteps(taskIds: string[]): Map<string, number> {
    return this.inner.countSteps(taskIds);
  }

  addCommand(taskId: string, command: CommandRecord): void {
    this.inner.addCommand(taskId, command);
  }

  listCommands(taskId: string): CommandRecord[] {
    return this.inner.listCommands(taskId);
  }

  abandonPendingRecordings(): number {
    this.tasks.clear();
    return this.inner.abandonPendingRecordings();
  }

  addDownload(taskId: string, download: DownloadRecord): void {
    this.inner.addDownload(taskId, download);
  }

  listDownloads(taskId: string): DownloadRecord[] {
    return this.inner.listDownloads(taskId);
  }

  eraseTaskData(taskId: string): void {
    this.inner.eraseTaskData(taskId);
    this.tasks.delete(taskId);
  }
}
