import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isFinishedTaskStatus, type TaskRequest, type TaskStatus, errorMessage } from '@open-smooth/protocol';
import type { BlobStore } from '../blobs/blob-store.js';
import { blobKeys } from '../blobs/blob-keys.js';
import type { CommandBus, TaskMessage } from '../scale/command-bus.js';
import { queueTopic, type EventNotifier } from '../scale/event-notifier.js';
import type { QueueStanding, TaskQueue } from '../scale/task-queue.js';
import { CallerTunnel } from '../tunnel/caller-tunnel.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ProfileWriterTakenError, type TaskRecord, type TaskStore, type TaskUpdate } from '../store/task-record.js';
import { actionOutputToWire, taskSettingsFromWire, type TaskSettings } from '../wire-format.js';
import { certificatesFromWire } from './certificates-from-wire.js';
import { refuseUnhonouredOptions } from './unhonoured-options.js';
import { InMemoryFinishGate, type FinishGate } from './finish-gate.js';
import { encodeStoredRecording } from './recording-blobs.js';
import { commandForReview, type SessionCommand } from './session-command.js';
import type { TaskEventLog } from './task-event-log.js';
import { TaskPolling, type PollOptions, type TaskPoll } from './task-polling.js';
import { InvalidTaskRequestError, ProfileInUseError, ProfileNotFoundError, TaskNotFoundError, TaskOwnerUnavailableError, TaskStillRunningError } from './task-errors.js';
import type { TaskLaunches } from './task-launches.js';
import { taskWorkDirectoryOf } from './task-runner.js';
import { serverLogger } from '../server-logger.js';

export type { PollOptions, TaskPoll } from './task-polling.js';

export interface TaskServiceOptions {
  store: TaskStore;
  resources: ResourceStore;
  eventLog: TaskEventLog;
  queue: TaskQueue;
  commands: CommandBus;
  notifier: EventNotifier;
  /** Where created tasks' settings wait for the worker that takes them (in memory, or stored for another process). */
  launches: TaskLaunches;
  blobs: BlobStore;
  /** This process's scratch folder: local copies of blobs while a task runs, spooled frames, encodes. */
  workDirectory: string;
  /** How long a finished task may read `running` while its last answer waits for a poll. */
  finishGraceMs: number;
  /** Shared by every process that ends or polls the tasks (Redis in distributed mode); default: this process's memory. */
  finishGate?: FinishGate;
  /** The worker whose runner takes this service's tasks (same process): it holds their leases from creation. */
  workerId: string;
  /** A lease not renewed for this long has expired. */
  leaseMs: number;
  /**
   * Workers in other processes run the tasks: they are created without a lease (the worker that
   * takes one claims it) and their launches are stored. False: this process's runner takes them.
   */
  distributed: boolean;
}

/**
 * The request as stored in the task's row: without the proxy password and the certificates (files
 * and passwords). The task's launch carries them to its worker (in memory, or sealed in the store
 * until a worker takes it); nothing needs them once it has started.
 */
function storedRequestOf(request: TaskRequest): TaskRequest {
  const stored: TaskRequest = { ...request };
  if (stored.proxy_password != null) stored.proxy_password = '[not stored]';
  if (stored.certificates != null) {
    stored.certificates = stored.certificates.map((certificate) => ({
      file: '[not stored]',
      ...(certificate.password != null ? { password: '[not stored]' } : {}),
      ...(certificate.origin != null ? { origin: certificate.origin } : {}),
    }));
  }
  return stored;
}


/** Creates, schedules, commands, cancels and reports tasks; the routes stay thin on top of it. */
/**
 * The API side of tasks: creates, queues, reads, commands, cancels and long-polls them. It never
 * touches a browser: the runner (worker side) takes tasks from the queue and receives commands,
 * tool answers and cancellations through the command bus; changes reach polls through the notifier.
 */
export class TaskService {
  private readonly polling: TaskPolling;
  private readonly tunnels = new Map<string, { tenant: string; tunnel: CallerTunnel }>();
  /** Videos being encoded on first request, by task; one ffmpeg at a time (`encodingQueue`) keeps running tasks fast. */
  private readonly encodings = new Map<string, Promise<boolean>>();
  private encodingQueue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TaskServiceOptions) {
    this.polling = new TaskPolling({
      store: options.store,
      eventLog: options.eventLog,
      queue: options.queue,
      notifier: options.notifier,
      finishGate: options.finishGate ?? new InMemoryFinishGate(),
      finishGraceMs: options.finishGraceMs,
    });
  }

  get eventLog(): TaskEventLog {
    return this.options.eventLog;
  }

  /** A lease from now on (the runner in this process renews it while the task lives). */
  private leaseExpiry(): number {
    return Date.now() + this.options.leaseMs;
  }

  /** A running task's scratch folder on this machine (erasing a task removes it too). */
  taskWorkDirectory(taskId: string): string {
    return taskWorkDirectoryOf(this.options.workDirectory, taskId);
  }

  async create(tenant: string, request: TaskRequest): Promise<TaskRecord> {
    refuseUnhonouredOptions(request);
    const settings = taskSettingsFromWire(request);
    for (const fileId of settings.fileIds) {
      const file = await this.options.resources.getFile(tenant, fileId);
      if (!file) throw new InvalidTaskRequestError(`unknown file id: ${fileId}; upload it with POST /file first`);
      settings.files.push({ name: file.fileName, blobKey: file.blobKey });
    }
    for (const extensionId of settings.extensionIds) {
      const extension = await this.options.resources.getExtension(tenant, extensionId);
      if (!extension) throw new InvalidTaskRequestError(`unknown extension id: ${extensionId}; upload it with POST /browser/extension first`);
      settings.extensions.push({ id: extension.id, blobKey: extension.blobKey });
    }
    if (settings.profileId !== undefined && !(await this.options.resources.hasProfile(tenant, settings.profileId))) {
      throw new ProfileNotFoundError(settings.profileId);
    }
    settings.clientCertificates = certificatesFromWire(request.certificates ?? [], settings.startUrl);
    const id = `task_${randomBytes(16).toString('hex')}`;
    // Open from creation on, so the caller can connect while the task still waits for its turn. In
    // the distributed mode the worker that starts the task opens it (a stored launch carries none).
    const callerTunnel = settings.proxy.kind === 'self' && !this.options.distributed ? new CallerTunnel() : undefined;
    if (callerTunnel) this.tunnels.set(id, { tenant, tunnel: callerTunnel });
    const record: TaskRecord = {
      id,
      tenant,
      kind: request.task === null ? 'session' : 'task',
      status: 'waiting',
      request: storedRequestOf(request),
      output: null,
      error: null,
      costDollars: 0,
      device: settings.device,
      createdAtMs: Date.now(),
      finishedAtMs: null,
      downloadsToken: randomBytes(24).toString('base64url'),
      recording: settings.enableRecording ? 'pending' : 'off',
      liveToken: randomBytes(24).toString('base64url'),
    };
    try {
      await this.storeCreated(record, settings);
    } catch (error) {
      this.releaseTaskResources(id);
      throw error;
    }
    try {
      await this.options.launches.put({ record, settings, ...(callerTunnel ? { callerTunnel } : {}) });
      await this.options.queue.enqueue({ taskId: record.id, key: tenant });
    } catch (error) {
      await this.options.launches.drop(record.id);
      this.releaseTaskResources(record.id);
      await this.options.store.updateTask(record.id, { status: 'failed', error: `refused: ${errorMessage(error)}`, finishedAtMs: Date.now(), recording: 'none' });
      throw error;
    }
    return record;
  }

  /**
   * Stores a created task. The runner of this process holds its lease from the start; a worker in
   * another process claims it when it takes it from the queue. A task that will save its profile
   * back holds it (in the store, for every API process) until its final state is stored: a second
   * writer is refused with 409 rather than queued, so that nobody's changes are silently
   * overwritten by a task that started from an older state. Read-only users take no lock.
   */
  private async storeCreated(record: TaskRecord, settings: TaskSettings): Promise<void> {
    const lease = this.options.distributed ? undefined : { owner: this.options.workerId, expiresAtMs: this.leaseExpiry() };
    const writesProfile = settings.profileId !== undefined && !settings.profileReadOnly ? settings.profileId : undefined;
    try {
      await this.options.store.createTask(record, lease, writesProfile);
    } catch (error) {
      if (!(error instanceof ProfileWriterTakenError)) throw error;
      const holder = (await this.options.store.profileWriter(record.tenant, error.profileId)) ?? 'another task';
      throw new ProfileInUseError(
        `profile ${error.profileId} is in use by ${holder}, which saves it back when it ends; one task at a time may write a profile. ` +
          'Wait for that task to end, or use the profile with profile_read_only: true.',
      );
    }
  }

  /** The live task holding the profile for writing, whichever API process created it (DELETE /profile refuses then). */
  profileWriter(tenant: string, profileId: string): Promise<string | undefined> {
    return this.options.store.profileWriter(tenant, profileId);
  }

  /** The live task's caller tunnel (proxy_server "self"), for the tunnel endpoint. */
  callerTunnel(tenant: string, taskId: string): CallerTunnel | undefined {
    const entry = this.tunnels.get(taskId);
    return entry?.tenant === tenant ? entry.tunnel : undefined;
  }

  /**
   * What a task holds in this process until it has ended: its caller tunnel. (Its profile's
   * writer lock is in the store and goes with the final state, whoever stores it.)
   */
  private releaseTaskResources(taskId: string): void {
    const entry = this.tunnels.get(taskId);
    this.tunnels.delete(taskId);
    void entry?.tunnel.close();
  }

  /**
   * The blob key of a finished task's video, encoding it first when this is the first time it is
   * asked for (one ffmpeg at a time in this process); undefined when the task has no video (then
   * its state becomes `none`).
   */
  async recordingVideo(taskId: string): Promise<string | undefined> {
    let encoding = this.encodings.get(taskId);
    if (!encoding) {
      encoding = this.encodingQueue.then(() => this.encodeOnce(taskId));
      this.encodings.set(taskId, encoding);
      this.encodingQueue = encoding.then(() => undefined, () => undefined);
      void encoding.finally(() => this.encodings.delete(taskId));
    }
    return (await encoding) ? blobKeys.recordingVideo(taskId) : undefined;
  }

  private async encodeOnce(taskId: string): Promise<boolean> {
    try {
      if (await encodeStoredRecording(this.options.blobs, taskId, this.options.workDirectory)) return true;
    } catch (error) {
      serverLogger.error({ err: error, taskId }, 'the recording could not be encoded');
    }
    await this.options.store.updateTask(taskId, { recording: 'none' });
    return false;
  }

  /** The runner stored a task's final state: release what it held and hold its status for its last answer. */
  async taskEnded(taskId: string): Promise<void> {
    this.releaseTaskResources(taskId);
    await this.polling.holdFinished(taskId);
  }

  /** The tenant's task, or 404: another tenant's ids look exactly like unknown ones. */
  async get(tenant: string, taskId: string): Promise<TaskRecord> {
    const task = await this.options.store.getTask(taskId);
    if (!task || task.tenant !== tenant) throw new TaskNotFoundError(`task not found: ${taskId}`);
    return task;
  }

  /** Status as clients see it: `running` while a finished task's last answer awaits a poll. */
  visibleStatus(task: TaskRecord): Promise<TaskStatus> {
    return this.polling.visibleStatus(task);
  }

  private async storedStatus(task: TaskRecord): Promise<TaskStatus> {
    return (await this.options.store.getTask(task.id))?.status ?? task.status;
  }

  /** Why a waiting task waits and its place in its key's queue; undefined once it runs. */
  queueStanding(task: TaskRecord): Promise<QueueStanding | undefined> {
    return this.polling.queueStanding(task);
  }

  async isLive(task: TaskRecord): Promise<boolean> {
    return !isFinishedTaskStatus(await this.visibleStatus(task));
  }

  /** See TaskPolling.poll. */
  poll(task: TaskRecord, afterTimestamp: number, longPollMs: number, signal: AbortSignal, options: PollOptions = {}): Promise<TaskPoll> {
    return this.polling.poll(task, afterTimestamp, longPollMs, signal, options);
  }

  /** See TaskPolling.pollNow. */
  pollNow(task: TaskRecord, afterTimestamp: number, force = false, options: PollOptions = {}): Promise<TaskPoll | undefined> {
    return this.polling.pollNow(task, afterTimestamp, force, options);
  }

  /** Queues a session command (or a tool's browser action on a one-shot task) for the task's runner. */
  async submitCommand(task: TaskRecord, command: SessionCommand): Promise<void> {
    await this.refuseFinished(task);
    if (command.eventName === 'session_action' && task.kind !== 'session') {
      throw new InvalidTaskRequestError(`${command.action} is a session action; task ${task.id} is not a session (it was created with a task)`);
    }
    const postedAtMs = Date.now();
    await this.options.store.addCommand(task.id, { id: command.id, action: command.action, input: commandForReview(command), sentAtMs: postedAtMs });
    await this.eventLog.errorAnswers.commandPosted(task.id, command.id, postedAtMs);
    // A forced close does not wait for the task to start: nobody runs it yet, so it is answered here.
    if (command.action === 'close' && command.force && (await this.endBeforeStart(task, { status: 'done', error: null }))) {
      await this.eventLog.append(task.id, { id: command.id, name: command.eventName, payload: { code: 200, output: actionOutputToWire({ output: true, costDollars: 0, durationMs: 0 }) } });
      await this.taskEnded(task.id);
      return;
    }
    await this.send(task, { kind: 'command', command, postedAtMs });
  }

  /**
   * Ends a task no runner has started and stores its final state, dropping what waits for it: one
   * still in the queue leaves it; one a worker took from the queue but has not started
   * (distributed: between the claim and the start) is ended in the store, and the worker then finds
   * it ended and lets it go. False once a runner has started it: then only its runner can end it.
   */
  private async endBeforeStart(task: TaskRecord, end: { status: 'done' | 'cancelled'; error: string | null }): Promise<boolean> {
    const update: TaskUpdate = {
      status: end.status,
      error: end.error,
      finishedAtMs: Date.now(),
      ...(task.recording === 'pending' ? { recording: 'none' as const } : {}),
    };
    const leftQueue = await this.options.queue.remove({ taskId: task.id, key: task.tenant });
    if (leftQueue) await this.options.store.updateTask(task.id, update);
    else if (!(await this.options.store.updateWaitingTask(task.id, update))) return false;
    await this.options.launches.drop(task.id);
    await this.options.commands.discard(task.id);
    // The tasks behind it moved up.
    if (leftQueue) this.options.notifier.notify(queueTopic(task.tenant));
    return true;
  }

  async answerToolCall(task: TaskRecord, id: string, code: 200 | 400 | 500, output: unknown): Promise<void> {
    const status = await this.refuseFinished(task);
    if (status === 'waiting') throw new InvalidTaskRequestError(`no tool call with id ${id} is waiting for an answer`);
    await this.send(task, { kind: 'tool_answer', id, code, output });
  }

  private async send(task: TaskRecord, message: TaskMessage): Promise<void> {
    const reply = await this.options.commands.send(task.id, message);
    if (!reply.accepted) throw reply.unreachable ? new TaskOwnerUnavailableError(reply.reason) : new InvalidTaskRequestError(reply.reason);
  }

  /** A task whose final state is stored takes no more events (even while its status still reads `running`). */
  private async refuseFinished(task: TaskRecord): Promise<TaskStatus> {
    const status = await this.storedStatus(task);
    if (isFinishedTaskStatus(status)) throw new InvalidTaskRequestError(`task ${task.id} has finished and accepts no more events`);
    return status;
  }

  /** DELETE /task/{id}: stops a task or closes a session. */
  async cancel(task: TaskRecord): Promise<void> {
    if (isFinishedTaskStatus(await this.storedStatus(task))) throw new TaskNotFoundError(`task ${task.id} has already finished`);
    if (await this.endBeforeStart(task, { status: 'cancelled', error: 'cancelled before it started' })) {
      this.releaseTaskResources(task.id);
      this.eventLog.notify(task.id);
      return;
    }
    const reply = await this.options.commands.send(task.id, { kind: 'cancel', reason: 'cancelled by the client' });
    if (!reply.accepted && reply.unreachable) throw new TaskOwnerUnavailableError(reply.reason);
    if (!reply.accepted) throw new TaskNotFoundError(`task ${task.id} has already finished`);
  }

  /** DELETE /task/{id}/data: only a finished task's data may go. */
  async eraseData(task: TaskRecord): Promise<void> {
    if (await this.isLive(task)) throw new TaskStillRunningError(`task ${task.id} is still running; stop it before deleting its data`);
    // A recording still being encoded would land after the folder is gone.
    await this.encodings.get(task.id);
    await this.options.store.eraseTaskData(task.id);
    await this.options.blobs.deletePrefix(blobKeys.taskFolder(task.id));
    await rm(this.taskWorkDirectory(task.id), { recursive: true, force: true });
  }

  /**
   * Shutdown (after the runner closed): tasks still waiting are left as a crash would leave them;
   * the next start fails them.
   */
  async close(): Promise<void> {
    await this.polling.close();
    for (const launch of this.options.launches.waiting()) {
      await this.options.launches.drop(launch.record.id);
      this.releaseTaskResources(launch.record.id);
    }
    for (const taskId of [...this.tunnels.keys()]) this.releaseTaskResources(taskId);
    await this.encodingQueue;
  }
}
