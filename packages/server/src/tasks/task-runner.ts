import { join } from 'node:path';
import type { BrowserPool } from '@open-smooth/browser';
import { errorMessage, isFinishedTaskStatus, type Logger } from '@open-smooth/protocol';
import type { CommandBus, MessageReply, TaskMessage } from '../scale/command-bus.js';
import { queueTopic, type EventNotifier } from '../scale/event-notifier.js';
import type { QueuedTask, TaskQueue } from '../scale/task-queue.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { TaskMetrics } from '../metrics/server-metrics.js';
import type { ProfileStorage } from '../profiles/profile-storage.js';
import type { TaskRecord, TaskStore, WaitingTaskRef } from '../store/task-record.js';
import type { AgentBridge } from './agent-bridge.js';
import { LiveTask, type LiveView } from './live-task.js';
import type { TaskEventLog } from './task-event-log.js';
import type { TaskLaunch, TaskLaunches } from './task-launches.js';
import { CallerTunnel } from '../tunnel/caller-tunnel.js';
import { serverLogger } from '../server-logger.js';

export const restartFailureReason = 'server restarted while the task was running';
/** The store adds which worker it was. */
export const leaseExpiredReason = 'the worker running the task stopped: its lease expired without a heartbeat';
/**
 * A task a worker claimed but never started is handed to another worker with its stored settings;
 * only when those are gone (held in the memory of the process that died) does it fail, with this.
 */
export const unstartedLeaseExpiredReason = 'the worker that took the task stopped before starting it, and the settings it was created with went with that worker';

export interface TaskRunnerOptions {
  store: TaskStore;
  eventLog: TaskEventLog;
  queue: TaskQueue;
  commands: CommandBus;
  notifier: EventNotifier;
  launches: TaskLaunches;
  profiles: ProfileStorage;
  blobs: BlobStore;
  /** This process's scratch folder: local copies of blobs while a task runs, spooled frames. */
  workDirectory: string;
  metrics: TaskMetrics;
  browserPool: () => Promise<BrowserPool>;
  agent: () => Promise<AgentBridge>;
  sessionIdleTimeoutMs: number;
  toolCallTimeoutMs: number;
  evaluateJsTimeoutMs: number;
  extractTimeoutMs: number;
  commandOutputMaxBytes: number;
  callerTunnelTimeoutMs: number;
  /** This process's name as a worker: the owner of the leases of the tasks it runs. */
  workerId: string;
  /** A lease not renewed for this long has expired: its worker is taken for dead and its tasks fail. */
  leaseMs: number;
  /** How often leases are renewed and expired ones swept (well under leaseMs). */
  heartbeatMs: number;
  /** After a task's final state is stored (the service releases what the task held). */
  onFinished: (taskId: string) => Promise<void>;
  /**
   * API processes elsewhere create the tasks without a lease: this worker claims each one it takes
   * from the queue, and runs only those it claimed. False: this process's service created them
   * under this worker's lease.
   */
  distributed: boolean;
}

/** A task's scratch folder on the machine that runs it; what it keeps goes to the blob store. */
export function taskWorkDirectoryOf(workDirectory: string, taskId: string): string {
  return join(workDirectory, 'tasks', taskId);
}

/**
 * The worker side: takes tasks from the queue, owns their browsers (LiveTask), consumes the
 * commands, tool answers and cancellations the command bus routes to them, and writes their
 * events. Knows nothing of HTTP or polls.
 */
export class TaskRunner {
  private readonly live = new Map<string, LiveTask>();
  /** How to stop serving each live task's commands. */
  private readonly serving = new Map<string, () => Promise<void>>();
  /** Caller tunnels this worker opened for the `self` tasks it runs (launches from another process carry none). */
  private readonly tunnels = new Map<string, { tenant: string; tunnel: CallerTunnel }>();
  private closed = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private heartbeatRunning: Promise<void> | undefined;

  private readonly log: Logger;

  constructor(private readonly options: TaskRunnerOptions) {
    this.log = serverLogger.child({ workerId: options.workerId });
  }

  /**
   * Starts this worker: the tasks it left live when it last stopped cannot resume, so they fail
   * (other workers' tasks are not touched), as do tasks of any worker whose lease has expired; then
   * it renews its leases and sweeps expired ones every heartbeat, and takes tasks from the queue.
   * Returns how many of its own failed.
   */
  async start(): Promise<number> {
    // What it had claimed but not started lost nothing: another worker (or this one) may start it.
    const handedBack = await this.options.store.releaseUnstartedTasks({ owner: this.options.workerId });
    const leftovers = await this.options.store.failTasksOf(this.options.workerId, restartFailureReason);
    // Not a reason to refuse to start: what is not queued again now (Redis unreachable) is unclaimed
    // and waiting, so the check for lost tasks finds it at a later heartbeat.
    await this.requeueHandedBack(handedBack).catch((error: unknown) => this.logFailure('queueing its unstarted tasks again', error));
    await this.sweepExpiredLeases();
    await this.requeueLostTasks().catch((error: unknown) => this.logFailure('the check for lost tasks', error));
    this.leaseTimer = setInterval(() => {
      // One heartbeat at a time: a slow database must not pile them up.
      this.heartbeatRunning ??= this.renewAndSweep().finally(() => (this.heartbeatRunning = undefined));
    }, this.options.heartbeatMs);
    this.leaseTimer.unref();
    this.options.queue.consume((task) => this.run(task));
    return leftovers.length;
  }

  private async renewAndSweep(): Promise<void> {
    try {
      // Only tasks that were live before the renewal began: a task started meanwhile may not be in it.
      const before = [...this.live.values()];
      const waitingBefore = this.options.launches.waiting();
      const held = new Set(await this.options.store.renewLeases(this.options.workerId, Date.now() + this.options.leaseMs));
      for (const liveTask of before) if (!held.has(liveTask.id)) await this.checkLeaseLost(liveTask);
      for (const launch of waitingBefore) if (!held.has(launch.record.id)) await this.checkWaitingLeaseLost(launch.record);
      await this.sweepExpiredLeases();
      await this.requeueLostTasks();
    } catch (error) {
      this.logFailure('the lease heartbeat', error);
    }
  }

  private logFailure(what: string, error: unknown): void {
    this.log.error({ err: error }, `${what} failed`);
  }

  /**
   * Tasks whose worker stopped renewing their lease: those it claimed but never started go back to
   * the queue (their settings are still stored); running ones fail (their browser is gone), and
   * their polls wake.
   */
  private async sweepExpiredLeases(): Promise<void> {
    const now = Date.now();
    await this.requeueHandedBack(await this.options.store.releaseUnstartedTasks({ leaseExpiredBeforeMs: now }));
    const failed = await this.options.store.failExpiredLeases(now, leaseExpiredReason, unstartedLeaseExpiredReason);
    for (const taskId of failed) {
      const liveTask = this.live.get(taskId);
      if (liveTask) await this.checkLeaseLost(liveTask);
      this.options.eventLog.notify(taskId);
    }
  }

  /** Tasks whose claims were released: queued again (their BullMQ job went with their worker). */
  private async requeueHandedBack(tasks: WaitingTaskRef[]): Promise<void> {
    for (const task of tasks) {
      this.log.warn({ taskId: task.id }, 'a task claimed by a worker that stopped before starting it is queued again');
      await this.options.queue.requeue({ taskId: task.id, key: task.tenant });
    }
    for (const key of new Set(tasks.map((task) => task.tenant))) this.options.notifier.notify(queueTopic(key));
  }

  /**
   * Waiting tasks the queue has lost (Redis restarted without persistence or was flushed, or a
   * job went with a dead worker while the task was handed back) are queued again. One process of
   * the deployment per heartbeat does it; a task counts once it is older than a lease, which also
   * keeps the check away from tasks being created right now (stored, not yet queued).
   */
  private async requeueLostTasks(): Promise<void> {
    if (this.closed || !(await this.options.queue.takeReconcileTurn(this.options.heartbeatMs))) return;
    const createdBeforeMs = Date.now() - this.options.leaseMs;
    const unclaimed = (await this.options.store.listUnclaimedTasks(createdBeforeMs)).map((task) => ({ taskId: task.id, key: task.tenant }));
    // A process that creates and runs its own tasks holds their launches (and leases) itself.
    const ownWaiting = this.options.launches
      .waiting()
      .filter((launch) => launch.record.createdAtMs < createdBeforeMs)
      .map((launch) => ({ taskId: launch.record.id, key: launch.record.tenant }));
    if (unclaimed.length + ownWaiting.length === 0) return;
    const ownIds = new Set(ownWaiting.map((task) => task.taskId));
    const requeued = new Set<string>();
    for (const task of await this.options.queue.missing([...unclaimed, ...ownWaiting])) {
      // Read again: it may have started, ended or been claimed while the queue was read.
      const stored = await this.options.store.getTask(task.taskId);
      if (stored?.status !== 'waiting') continue;
      if (ownIds.has(task.taskId) ? !this.options.launches.waiting().some((launch) => launch.record.id === task.taskId) : (await this.options.store.getLease(task.taskId)) !== undefined) continue;
      this.log.warn({ taskId: task.taskId }, 'a waiting task missing from the queue is queued again');
      await this.options.queue.requeue(task);
      requeued.add(task.key);
    }
    for (const key of requeued) this.options.notifier.notify(queueTopic(key));
  }

  /** A task waiting for this worker that the store says has ended (failed elsewhere): it leaves the queue. */
  private async checkWaitingLeaseLost(record: TaskRecord): Promise<void> {
    const stored = await this.options.store.getTask(record.id);
    if (!stored || !isFinishedTaskStatus(stored.status)) return;
    if (!(await this.options.queue.remove({ taskId: record.id, key: record.tenant }))) return;
    await this.options.launches.drop(record.id);
    await this.options.commands.discard(record.id);
    this.options.notifier.notify(queueTopic(record.tenant));
    await this.options.onFinished(record.id);
  }

  /**
   * A task this worker runs that the store says has ended without it (another process failed it
   * after this one missed its heartbeats): its browser is let go and nothing more is stored for it.
   */
  private async checkLeaseLost(liveTask: LiveTask): Promise<void> {
    if (liveTask.hasEnded || this.live.get(liveTask.id) !== liveTask) return;
    const stored = await this.options.store.getTask(liveTask.id);
    if (!stored || !isFinishedTaskStatus(stored.status) || liveTask.hasEnded) return;
    this.log.warn({ taskId: liveTask.id, status: stored.status, reason: stored.error }, 'a task was failed elsewhere; stopping it here');
    this.live.delete(liveTask.id);
    this.closeCallerTunnel(liveTask.id);
    await liveTask.abandon();
    await this.serving.get(liveTask.id)?.();
    this.serving.delete(liveTask.id);
    await this.options.onFinished(liveTask.id);
  }

  /** The live view's handle on a task this process runs; undefined before it starts or once it ended. */
  liveView(taskId: string): LiveView | undefined {
    return this.live.get(taskId)?.liveView();
  }

  /** Live tasks holding a browser context now (for the metrics). */
  get browserContextCount(): number {
    let count = 0;
    for (const liveTask of this.live.values()) if (liveTask.hasBrowser) count += 1;
    return count;
  }

  /** The caller tunnel this worker opened for a task it runs, for the tunnel endpoint. */
  callerTunnel(tenant: string, taskId: string): CallerTunnel | undefined {
    const entry = this.tunnels.get(taskId);
    return entry?.tenant === tenant ? entry.tunnel : undefined;
  }

  /**
   * The task's caller tunnel: the one its launch carries (the creating process runs it and opened
   * it at creation), else for proxy_server "self" one opened now, here, where its browser runs.
   */
  private callerTunnelOf(launch: TaskLaunch): CallerTunnel | undefined {
    if (launch.callerTunnel || launch.settings.proxy.kind !== 'self') return launch.callerTunnel;
    const tunnel = new CallerTunnel();
    this.tunnels.set(launch.record.id, { tenant: launch.record.tenant, tunnel });
    return tunnel;
  }

  private closeCallerTunnel(taskId: string): void {
    const entry = this.tunnels.get(taskId);
    this.tunnels.delete(taskId);
    void entry?.tunnel.close();
  }

  currentUrl(taskId: string): string | undefined {
    return this.live.get(taskId)?.currentUrl();
  }

  /** Runs one queued task to its end (the queue keeps its slot until then). */
  private async run(queued: QueuedTask): Promise<void> {
    // The tasks behind it in its key's queue moved up: their long-polls answer with the new position.
    this.options.notifier.notify(queueTopic(queued.key));
    let launch: TaskLaunch | undefined;
    try {
      if (this.options.distributed && !this.closed && !(await this.claim(queued))) return;
      launch = await this.options.launches.take(queued.taskId);
    } catch (error) {
      // Claimed (or not) but never started: failed now rather than left waiting under a renewed lease.
      await this.failUnlaunchable(queued, `no worker could start the task: ${errorMessage(error)}`);
      return;
    }
    if (!launch || this.closed) {
      await this.failUnlaunchable(queued, 'no worker could start the task: its settings were not available to the worker that took it');
      return;
    }
    const callerTunnel = this.callerTunnelOf(launch);
    const liveTask = new LiveTask(launch.record, launch.settings, {
      store: this.options.store,
      eventLog: this.options.eventLog,
      browserPool: this.options.browserPool,
      agent: this.options.agent,
      workDirectory: taskWorkDirectoryOf(this.options.workDirectory, queued.taskId),
      blobs: this.options.blobs,
      metrics: this.options.metrics,
      profiles: this.options.profiles,
      workerId: this.options.workerId,
      ...(callerTunnel ? { callerTunnel } : {}),
      callerTunnelTimeoutMs: this.options.callerTunnelTimeoutMs,
      toolCallTimeoutMs: this.options.toolCallTimeoutMs,
      sessionIdleTimeoutMs: this.options.sessionIdleTimeoutMs,
      evaluateJsTimeoutMs: this.options.evaluateJsTimeoutMs,
      extractTimeoutMs: this.options.extractTimeoutMs,
      commandOutputMaxBytes: this.options.commandOutputMaxBytes,
      onStarted: async (taskId) => {
        // Not a reason to keep its commands from it: a launch left behind goes with its data (erase).
        await this.options.launches.started(taskId).catch((error: unknown) => this.logFailure(`deleting the launch of started task ${taskId}`, error));
        // Commands posted while the task waited are handed over now that it has started here, in
        // order; they run once the browser is open. Not before: a worker that dies (or stalls past
        // its lease) between its claim and the start leaves them in the bus for the next worker.
        stopServing = await this.options.commands.serve(taskId, (message) => this.handle(liveTask, message));
        // A cancellation among them has ended the task already.
        if (!this.live.has(taskId)) await stopServing();
        else this.serving.set(taskId, stopServing);
      },
      onFinished: async (taskId) => {
        this.live.delete(taskId);
        this.closeCallerTunnel(taskId);
        await stopServing?.();
        this.serving.delete(taskId);
        await this.options.onFinished(taskId);
      },
    });
    let stopServing: (() => Promise<void>) | undefined;
    this.live.set(queued.taskId, liveTask);
    await liveTask.run();
  }

  /**
   * Takes the lease of a task an API process created: false (and it is not run) when another
   * worker holds it, or it is no longer waiting (cancelled, failed, or a second delivery of a task
   * this worker runs already).
   */
  private async claim(queued: QueuedTask): Promise<boolean> {
    if (await this.options.store.claimTask(queued.taskId, { owner: this.options.workerId, expiresAtMs: Date.now() + this.options.leaseMs })) return true;
    this.log.info({ taskId: queued.taskId }, 'a task taken from the queue is not run here: another worker holds it or it is no longer waiting');
    return false;
  }

  /** A task taken from the queue whose settings this process does not have (shutdown, or another process created it). */
  private async failUnlaunchable(queued: QueuedTask, reason: string): Promise<void> {
    if (this.closed) return;
    // A task a previous run left in a durable queue was failed at this start already.
    const stored = await this.options.store.getTask(queued.taskId);
    if (!stored || isFinishedTaskStatus(stored.status)) return;
    this.log.warn({ taskId: queued.taskId, reason }, 'a task fails before it starts');
    await this.options.store.updateTask(queued.taskId, { status: 'failed', error: reason, finishedAtMs: Date.now(), recording: 'none' });
    await this.options.onFinished(queued.taskId);
  }

  private async handle(liveTask: LiveTask, message: TaskMessage): Promise<MessageReply> {
    switch (message.kind) {
      case 'command':
        this.options.eventLog.errorAnswers.commandReceived(liveTask.id, message.command.id, message.postedAtMs);
        liveTask.submit(message.command);
        return { accepted: true };
      case 'tool_answer':
        return liveTask.answerToolCall(message.id, message.code, message.output)
          ? { accepted: true }
          : { accepted: false, reason: `no tool call with id ${message.id} is waiting for an answer` };
      case 'cancel':
        await liveTask.cancel(message.reason);
        return { accepted: true };
    }
  }

  /** Shutdown: live tasks are left as a crash would leave them (browsers freed, nothing stored). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.leaseTimer);
    await this.heartbeatRunning;
    await this.options.queue.close();
    const liveTasks = [...this.live.values()];
    this.live.clear();
    for (const taskId of [...this.tunnels.keys()]) this.closeCallerTunnel(taskId);
    await Promise.all(
      liveTasks.map((liveTask) =>
        liveTask.abandon().catch((error: unknown) => this.log.warn({ err: error, taskId: liveTask.id }, 'a task could not be abandoned cleanly')),
      ),
    );
  }
}
