import type { StepRecord, StoredTaskEvent } from '@open-smooth/protocol';
import type { ClaimsToRelease, CommandRecord, DownloadRecord, TaskLease, TaskRecord, TaskStore, TaskUpdate, WaitingTaskRef } from './task-record.js';

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
 * a cached value is always exactly what the store would return. A read that was under way while a
 * write of the same task completed may hold the old value, so it is returned but not kept. Cached
 * values are frozen and replaced, never changed, so callers may key per-value caches (serialized
 * bodies) on identity.
 */
export class CachedTaskStore implements TaskStore {
  private readonly tasks = new Map<string, CachedTask>();
  /** Counts completed writes; a read compares it with the write sequence of its task. */
  private writeSequence = 0;
  private readsUnderWay = 0;
  /** When each task was last written while reads were under way (cleared once none is). */
  private readonly writtenWhileReading = new Map<string, number>();

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

  /** Runs a read of the inner store; `keep` is false when a write of the task may have overtaken it. */
  private async readThrough<T>(taskId: string, read: () => Promise<T>): Promise<{ value: T; keep: boolean }> {
    const startedAt = this.writeSequence;
    this.readsUnderWay += 1;
    try {
      const value = await read();
      return { value, keep: (this.writtenWhileReading.get(taskId) ?? 0) <= startedAt };
    } finally {
      this.readsUnderWay -= 1;
      if (this.readsUnderWay === 0) this.writtenWhileReading.clear();
    }
  }

  /** After a write of the task completed: drops `what` of its entry and marks reads under way stale. */
  private written(taskId: string, what: 'record' | 'events' | 'all'): void {
    this.writeSequence += 1;
    if (this.readsUnderWay > 0) this.writtenWhileReading.set(taskId, this.writeSequence);
    if (what === 'all') {
      this.tasks.delete(taskId);
      return;
    }
    const entry = this.tasks.get(taskId);
    if (entry) entry[what] = undefined;
  }

  async createTask(task: TaskRecord, lease?: TaskLease, writesProfile?: string): Promise<void> {
    await this.inner.createTask(task, lease, writesProfile);
    this.written(task.id, 'all');
  }

  profileWriter(tenant: string, profileId: string): Promise<string | undefined> {
    return this.inner.profileWriter(tenant, profileId);
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const cached = this.tasks.get(id)?.record;
    if (cached) return cached;
    const { value: record, keep } = await this.readThrough(id, () => this.inner.getTask(id));
    // Unknown ids are not cached: anyone could fill the cache with them.
    if (record && keep) this.entry(id).record = Object.freeze(record);
    return record;
  }

  getTaskByDownloadsToken(token: string): Promise<TaskRecord | undefined> {
    return this.inner.getTaskByDownloadsToken(token);
  }

  listTasks(tenant: string, limit: number, beforeMs?: number): Promise<TaskRecord[]> {
    return this.inner.listTasks(tenant, limit, beforeMs);
  }

  async updateTask(id: string, update: TaskUpdate): Promise<void> {
    await this.inner.updateTask(id, update);
    this.written(id, 'record');
  }

  async updateOwnedTask(id: string, owner: string, update: TaskUpdate): Promise<boolean> {
    const stored = await this.inner.updateOwnedTask(id, owner, update);
    this.written(id, 'record');
    return stored;
  }

  async updateWaitingTask(id: string, update: TaskUpdate): Promise<boolean> {
    const stored = await this.inner.updateWaitingTask(id, update);
    this.written(id, 'record');
    return stored;
  }

  claimTask(taskId: string, lease: TaskLease): Promise<boolean> {
    return this.inner.claimTask(taskId, lease);
  }

  putTaskLaunch(taskId: string, settings: string): Promise<void> {
    return this.inner.putTaskLaunch(taskId, settings);
  }

  readTaskLaunch(taskId: string): Promise<string | undefined> {
    return this.inner.readTaskLaunch(taskId);
  }

  deleteTaskLaunch(taskId: string): Promise<void> {
    return this.inner.deleteTaskLaunch(taskId);
  }

  renewLeases(owner: string, expiresAtMs: number): Promise<string[]> {
    return this.inner.renewLeases(owner, expiresAtMs);
  }

  getLease(taskId: string): Promise<TaskLease | undefined> {
    return this.inner.getLease(taskId);
  }

  async failTasksOf(owner: string, reason: string): Promise<string[]> {
    const failed = await this.inner.failTasksOf(owner, reason);
    for (const taskId of failed) this.written(taskId, 'record');
    return failed;
  }

  /** Only leases change (the cache holds no lease): nothing to forget. */
  releaseUnstartedTasks(which: ClaimsToRelease): Promise<WaitingTaskRef[]> {
    return this.inner.releaseUnstartedTasks(which);
  }

  listUnclaimedTasks(createdBeforeMs: number): Promise<WaitingTaskRef[]> {
    return this.inner.listUnclaimedTasks(createdBeforeMs);
  }

  async failExpiredLeases(nowMs: number, reason: string, waitingReason?: string): Promise<string[]> {
    const failed = await this.inner.failExpiredLeases(nowMs, reason, waitingReason);
    for (const taskId of failed) this.written(taskId, 'record');
    return failed;
  }

  async appendEvent(taskId: string, event: StoredTaskEvent): Promise<StoredTaskEvent> {
    const stored = await this.inner.appendEvent(taskId, event);
    this.written(taskId, 'events');
    return stored;
  }

  reserveEventTimestamp(taskId: string, proposed: number): Promise<number> {
    return this.inner.reserveEventTimestamp(taskId, proposed);
  }

  async listEvents(taskId: string, afterTimestamp: number): Promise<StoredTaskEvent[]> {
    const cached = this.tasks.get(taskId);
    if (cached?.tooManyEvents) return this.inner.listEvents(taskId, afterTimestamp);
    const events = cached?.events ?? (await this.loadEvents(taskId));
    // Timestamps increase strictly along the log, so the events after T are a suffix.
    let start = events.length;
    while (start > 0 && (events[start - 1]?.timestamp ?? 0) > afterTimestamp) start -= 1;
    return events.slice(start);
  }

  /** Reads the task's whole event log, keeping it in memory unless it is too long to. */
  private async loadEvents(taskId: string): Promise<readonly StoredTaskEvent[]> {
    const { value: events, keep } = await this.readThrough(taskId, () => this.inner.listEvents(taskId, Number.MIN_SAFE_INTEGER));
    if (!keep) return events;
    const entry = this.entry(taskId);
    if (events.length > this.limits.maxEventsPerTask) {
      entry.tooManyEvents = true;
      return events;
    }
    for (const event of events) Object.freeze(event);
    return (entry.events = Object.freeze(events));
  }

  async lastEventTimestamp(taskId: string): Promise<number> {
    const cached = this.tasks.get(taskId)?.events;
    if (cached) return cached.at(-1)?.timestamp ?? 0;
    return this.inner.lastEventTimestamp(taskId);
  }

  addStep(taskId: string, step: StepRecord): Promise<void> {
    return this.inner.addStep(taskId, step);
  }

  listSteps(taskId: string): Promise<StepRecord[]> {
    return this.inner.listSteps(taskId);
  }

  countSteps(taskIds: string[]): Promise<Map<string, number>> {
    return this.inner.countSteps(taskIds);
  }

  addCommand(taskId: string, command: CommandRecord): Promise<void> {
    return this.inner.addCommand(taskId, command);
  }

  listCommands(taskId: string): Promise<CommandRecord[]> {
    return this.inner.listCommands(taskId);
  }

  addDownload(taskId: string, download: DownloadRecord): Promise<void> {
    return this.inner.addDownload(taskId, download);
  }

  listDownloads(taskId: string): Promise<DownloadRecord[]> {
    return this.inner.listDownloads(taskId);
  }

  async eraseTaskData(taskId: string): Promise<void> {
    await this.inner.eraseTaskData(taskId);
    this.written(taskId, 'all');
  }
}
