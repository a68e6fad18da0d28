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

/** What the server needs from task storage; SQLite now, another database later. */
export interface TaskStore {
  createTask(task: TaskRecord): void;
  getTask(id: string): TaskRecord | undefined;
  getTaskByDownloadsToken(token: string): TaskRecord | undefined;
  /** Newest first, created strictly before `beforeMs` when given. */
  listTasks(tenant: string, limit: number, beforeMs?: number): TaskRecord[];
  updateTask(id: string, update: TaskUpdate): void;
  /** Marks every waiting or running task failed; returns how many. */
  failLiveTasks(reason: string): number;
  appendEvent(taskId: string, event: StoredTaskEvent): void;
  listEvents(taskId: string, afterTimestamp: number): StoredTaskEvent[];
  lastEventTimestamp(taskId: string): number;
  addStep(taskId: string, step: StepRecord): void;
  listSteps(taskId: string): StepRecord[];
  /** How many steps each of these tasks has (0 when none). */
  countSteps(taskIds: string[]): Map<string, number>;
  /** A restart cannot finish recordings that were pending: they become `none`. */
  abandonPendingRecordings(): number;
  addCommand(taskId: string, command: CommandRecord): void;
  /** In the order they were sent. */
  listCommands(taskId: string): CommandRecord[];
  addDownload(taskId: string, download: DownloadRecord): void;
  listDownloads(taskId: string): DownloadRecord[];
  /** Forgets events, steps, downloads, request details, output, recording and live token of a finished task. */
  eraseTaskData(taskId: string): void;
}
