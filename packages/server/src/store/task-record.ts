import type { Device, StepRecord, StoredTaskEvent, TaskRequest, TaskStatus } from '@open-smooth/protocol';

/** A one-shot task runs its `task` and finishes; a session (`task: null`) waits for commands. */
export type TaskKind = 'task' | 'session';

/**
 * The task's video: `off` = not asked for, `pending` = being recorded or encoded, `ready` = the
 * file is there, `none` = asked for but there is none (no frame, encoding failed, data erased).
 */
export type RecordingState = 'off' | 'pending' | 'ready' | 'none';

export interface TaskRecord {
  id: string;
  /** Hash of the API key that owns the task. */
  tenant: string;
  kind: TaskKind;
  status: TaskStatus;
  /** The request as it came over the wire, defaults not yet applied. */
  request: TaskRequest;
  output: unknown;
  error: string | null;
  costDollars: number;
  device: Device;
  createdAtMs: number;
  finishedAtMs: number | null;
  /** Unguessable path segment of the task's downloads zip (and of its recording). */
  downloadsToken: string;
  recording: RecordingState;
  /** Unguessable path segment of the task's live view; null once its data was erased. */
  liveToken: string | null;
}

export interface TaskUpdate {
  status?: TaskStatus;
  output?: unknown;
  error?: string | null;
  costDollars?: number;
  finishedAtMs?: number | null;
  recording?: RecordingState;
}

/** A session command as sent, for review (secrets never stored: see commandForReview). */
export interface CommandRecord {
  id: string;
  action: string;
  input: unknown;
  sentAtMs: number;
}

export interface DownloadRecord {
  url: string;
  fileName: string;
  /** The downloaded file, in the blob store. */
  blobKey: string;
  bytes: number;
}

/**
 * Which worker runs a live task, until when. The worker renews it while it runs the task (a
 * heartbeat); a task whose lease expired belongs to a worker that died, and any process may fail it.
 */
export interface TaskLease {
  owner: string;
  expiresAtMs: number;
}

/** A waiting task as the queue knows it: its id and its tenant (the queue's key). */
export interface WaitingTaskRef {
  id: string;
  tenant: string;
}

/** Whose unstarted claims to hand back: a restarted worker's own, or those whose lease expired before a time. */
export type ClaimsToRelease = { owner: string } | { leaseExpiredBeforeMs: number };

/** A second live writer of one profile was refused (the service names the holder to the client). */
export class ProfileWriterTakenError extends Error {
  constructor(
    readonly tenant: string,
    readonly profileId: string,
  ) {
    super(`profile ${profileId} is held for writing by another live task`);
    this.name = 'ProfileWriterTakenError';
  }
}

/**
 * What the server needs from task storage: SQLite embedded, PostgreSQL when several processes
 * share it. Every method is asynchronous so that a networked database fits behind it.
 */
export interface TaskStore {
  /**
   * With a lease when the creating worker runs the task itself (the embedded server does); without
   * one, the worker that takes it from the queue claims it (`claimTask`). With `writesProfile`, the
   * task holds that profile of its tenant for writing until its final state is stored, whoever
   * stores it: while another live task holds it, the creation fails with ProfileWriterTakenError.
   */
  createTask(task: TaskRecord, lease?: TaskLease, writesProfile?: string): Promise<void>;
  /** The live task holding the tenant's profile for writing, if any. */
  profileWriter(tenant: string, profileId: string): Promise<string | undefined>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  getTaskByDownloadsToken(token: string): Promise<TaskRecord | undefined>;
  /** Newest first, created strictly before `beforeMs` when given. */
  listTasks(tenant: string, limit: number, beforeMs?: number): Promise<TaskRecord[]>;
  updateTask(id: string, update: TaskUpdate): Promise<void>;
  /**
   * The update of a worker that runs the task: stored only while the task is live and `owner` holds
   * its lease. False when it was refused (another process failed the task after this worker missed
   * its heartbeats, or it has ended): the worker's late write must not overwrite that. With an
   * empty update it only says whether the worker still holds the live task, read in the database.
   */
  updateOwnedTask(id: string, owner: string, update: TaskUpdate): Promise<boolean>;
  /**
   * The update of an API process ending a task that has not started (cancelled or force-closed
   * while a worker had it from the queue but had not run it yet): stored only while the task is
   * still `waiting`, whoever claimed it; the worker then finds it ended and does not start it.
   */
  updateWaitingTask(id: string, update: TaskUpdate): Promise<boolean>;
  /**
   * Takes a waiting task's lease for a worker: when it has none or its lease expired. False when
   * a worker holds it (this one included: a second delivery of the same queued task is not run
   * twice) or the task is not waiting.
   */
  claimTask(taskId: string, lease: TaskLease): Promise<boolean>;
  /**
   * Keeps what a worker in another process needs to start a created task (its settings as text,
   * with their secrets), sealed: the database never holds it in clear.
   */
  putTaskLaunch(taskId: string, settings: string): Promise<void>;
  /**
   * The launch's settings, left in place: a worker that dies between its claim and the task's
   * start leaves them for the next worker; the runner deletes them once the task has started.
   */
  readTaskLaunch(taskId: string): Promise<string | undefined>;
  deleteTaskLaunch(taskId: string): Promise<void>;
  /** The heartbeat: moves the expiry of every live task the worker holds; returns their ids. */
  renewLeases(owner: string, expiresAtMs: number): Promise<string[]>;
  getLease(taskId: string): Promise<TaskLease | undefined>;
  /**
   * A restarted worker's leftovers: its waiting and running tasks fail with `reason` (pending
   * recordings become `none`, stored launches go); other workers' tasks are not touched. Returns their ids.
   */
  failTasksOf(owner: string, reason: string): Promise<string[]>;
  /**
   * Hands back claimed tasks that never started (still `waiting`) and whose launch is still
   * stored: their lease is cleared, so the next worker the queue gives them to may claim them;
   * a task that never started lost nothing with its worker. Returns them (to be queued again).
   */
  releaseUnstartedTasks(which: ClaimsToRelease): Promise<WaitingTaskRef[]>;
  /**
   * Waiting tasks no worker has claimed, created before `createdBeforeMs`, oldest first: each
   * should be in the queue (the check for jobs a queue lost compares the two).
   */
  listUnclaimedTasks(createdBeforeMs: number): Promise<WaitingTaskRef[]>;
  /**
   * Live tasks whose lease expired before `nowMs` (their worker died) fail with `reason`, to which
   * the worker's id is added; a waiting one (claimed, never started, its settings gone: see
   * releaseUnstartedTasks) with `waitingReason`. Returns their ids.
   */
  failExpiredLeases(nowMs: number, reason: string, waitingReason?: string): Promise<string[]>;
  /**
   * Stores an event at `event.timestamp` or, when an earlier event of the task already has that
   * time or a later one, at one more than the task's last: timestamps strictly increase per task
   * whoever writes (the database decides). Returns the event as stored.
   */
  appendEvent(taskId: string, event: StoredTaskEvent): Promise<StoredTaskEvent>;
  /**
   * A timestamp for something not stored (a poll's heartbeat, which moves the client's cursor):
   * at least `proposed`, past every event of the task, and every later append gets a greater one,
   * whichever process makes it.
   */
  reserveEventTimestamp(taskId: string, proposed: number): Promise<number>;
  listEvents(taskId: string, afterTimestamp: number): Promise<StoredTaskEvent[]>;
  lastEventTimestamp(taskId: string): Promise<number>;
  addStep(taskId: string, step: StepRecord): Promise<void>;
  listSteps(taskId: string): Promise<StepRecord[]>;
  /** How many steps each of these tasks has (0 when none). */
  countSteps(taskIds: string[]): Promise<Map<string, number>>;
  addCommand(taskId: string, command: CommandRecord): Promise<void>;
  /** In the order they were sent. */
  listCommands(taskId: string): Promise<CommandRecord[]>;
  addDownload(taskId: string, download: DownloadRecord): Promise<void>;
  listDownloads(taskId: string): Promise<DownloadRecord[]>;
  /** Forgets events, steps, downloads, request details, output, recording and live token of a finished task. */
  eraseTaskData(taskId: string): Promise<void>;
}
