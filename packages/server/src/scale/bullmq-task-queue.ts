import { randomBytes } from 'node:crypto';
import { errorMessage } from '@open-smooth/protocol';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { settlesWithin } from '../settles-within.js';
import { QueueFullError } from '../tasks/task-errors.js';
import { keyQueueFullMessage, queueFullMessage, waitingReason } from './queue-reasons.js';
import type { QueuedTask, QueueStanding, RunQueuedTask, TaskQueue, TaskQueueLimits } from './task-queue.js';
import { serverLogger } from '../server-logger.js';

export interface BullmqTaskQueueOptions {
  /** Prefix of every Redis key; default `open-smooth`. */
  prefix?: string;
  /** A worker that stops renewing a task's lock this long loses it (BullMQ then fails the job as stalled); default 30 s. */
  lockDurationMs?: number;
  /** How often an idle consumer looks again even without a wake-up (a lost pub/sub message, a Redis restart); default 1 s. */
  idleCheckMs?: number;
}

/** Sums the waiting lists of one key and of all keys; keys are the members of KEYS[1]. */
const countWaitingScript = `
local total = 0
local own = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local count = redis.call('LLEN', ARGV[1] .. key .. ARGV[2])
  total = total + count
  if key == ARGV[3] then own = count end
end
return {own, total}
`;

/** Never-served keys sort before every served one, in arrival order. */
const neverServedBase = -(2 ** 50);

/**
 * The distributed task queue on BullMQ. BullMQ (without its paid "groups") hands out jobs of one
 * queue in one order, so fairness across keys is ours: one BullMQ queue per key (`tasks-<key>`,
 * FIFO), a sorted set of keys by when each was last served, and in every worker a dispatcher that
 * takes the next job from the key served longest ago among keys under their running limit. A
 * short per-key lock makes "count the key's running jobs, then take one" atomic across workers.
 * BullMQ brings what a home-made queue would lack: jobs in Redis (kept across a Redis restart with
 * AOF), a lock per running job that its worker renews, and stalled detection when a worker dies.
 */
export class BullmqTaskQueue implements TaskQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Map<string, { task: QueuedTask; renewal: NodeJS.Timeout }>();
  private readonly workerId = randomBytes(6).toString('hex');
  private runner: RunQueuedTask | undefined;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly prefix: string;
  private readonly lockDurationMs: number;
  private readonly idleCheckMs: number;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    readonly limits: TaskQueueLimits,
    options: BullmqTaskQueueOptions,
  ) {
    this.prefix = options.prefix ?? 'open-smooth';
    this.lockDurationMs = options.lockDurationMs ?? 30_000;
    this.idleCheckMs = options.idleCheckMs ?? 1000;
  }

  /** `connection` is shared by this object's queues; a duplicate subscribes to wake-ups. */
  static async connect(connection: Redis, limits: TaskQueueLimits, options: BullmqTaskQueueOptions = {}): Promise<BullmqTaskQueue> {
    const queue = new BullmqTaskQueue(connection, connection.duplicate(), limits, options);
    queue.subscriber.on('message', () => queue.pump());
    queue.subscriber.on('error', (error: unknown) => serverLogger.warn({ err: error }, 'task queue wake-ups: Redis connection error'));
    await queue.subscriber.subscribe(queue.changedChannel);
    return queue;
  }

  private get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  private get keysSet(): string {
    return `${this.prefix}:task-keys`;
  }

  private get changedChannel(): string {
    return `${this.prefix}:queue-changed`;
  }

  private queueName(key: string): string {
    return `tasks-${key}`;
  }

  private queueOf(key: string): Queue {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new Queue(this.queueName(key), { connection: this.client, prefix: this.bullPrefix });
      queue.on('error', (error: unknown) => serverLogger.warn({ err: error, key }, 'task queue error'));
      this.queues.set(key, queue);
    }
    return queue;
  }

  private workerOf(key: string): Worker {
    let worker = this.workers.get(key);
    if (!worker) {
      // Manual fetching: the dispatcher decides which key's job comes next.
      worker = new Worker(this.queueName(key), null, {
        connection: this.client,
        prefix: this.bullPrefix,
        autorun: false,
        lockDuration: this.lockDurationMs,
        // A job whose worker died is not run again elsewhere: its browser is gone.
        maxStalledCount: 0,
      });
      worker.on('error', (error: unknown) => serverLogger.warn({ err: error, key }, 'task queue worker error'));
      void worker.startStalledCheckTimer().catch((error: unknown) => serverLogger.warn({ err: error, key }, 'stalled job check failed'));
      this.workers.set(key, worker);
    }
    return worker;
  }

  private async waitingCounts(key: string): Promise<{ own: number; total: number }> {
    const waitKeyStart = `${this.bullPrefix}:tasks-`;
    const [own, total] = (await this.client.eval(countWaitingScript, 1, this.keysSet, waitKeyStart, ':wait', key)) as [number, number];
    return { own, total };
  }

  async enqueue(task: QueuedTask): Promise<void> {
    const { own, total } = await this.waitingCounts(task.key);
    if (own >= this.limits.maxQueuedTasksPerKey) throw new QueueFullError(keyQueueFullMessage(own, this.limits));
    if (total >= this.limits.maxQueuedTasks) throw new QueueFullError(queueFullMessage(total, this.limits));
    await this.add(task);
  }

  /** The job's id is the task's: adding a task whose job exists changes nothing (BullMQ keeps the first). */
  private async add(task: QueuedTask): Promise<void> {
    const serial = await this.client.incr(`${this.prefix}:serial`);
    await this.client.zadd(this.keysSet, 'NX', neverServedBase + serial, task.key);
    await this.queueOf(task.key).add('task', { taskId: task.taskId, key: task.key }, { jobId: task.taskId, removeOnComplete: true, removeOnFail: true });
    await this.client.publish(this.changedChannel, task.key);
  }

  async missing(tasks: readonly QueuedTask[]): Promise<QueuedTask[]> {
    const byKey = new Map<string, QueuedTask[]>();
    for (const task of tasks) byKey.set(task.key, [...(byKey.get(task.key) ?? []), task]);
    const missing: QueuedTask[] = [];
    for (const [key, ofKey] of byKey) {
      const queue = this.queueOf(key);
      const waiting = new Set(await this.client.lrange(queue.keys.wait ?? '', 0, -1));
      const unlisted = ofKey.filter((task) => !waiting.has(task.taskId));
      if (unlisted.length === 0) continue;
      // Not waiting: either a worker holds its job (locked: it renews the lock while it runs the
      // task), or the job is gone or was left by a worker that died (no lock).
      const pipeline = this.client.pipeline();
      for (const task of unlisted) pipeline.exists(queue.toKey(task.taskId)).exists(`${queue.toKey(task.taskId)}:lock`);
      const replies = (await pipeline.exec()) ?? [];
      unlisted.forEach((task, index) => {
        const [existsError, exists] = replies[2 * index] ?? [];
        const [lockError, locked] = replies[2 * index + 1] ?? [];
        if (existsError || lockError) throw existsError ?? lockError;
        if (exists !== 1 || locked !== 1) missing.push(task);
      });
    }
    return missing;
  }

  async requeue(task: QueuedTask): Promise<void> {
    const queue = this.queueOf(task.key);
    if ((await this.client.lpos(queue.keys.wait ?? '', task.taskId)) !== null) return;
    // A job a dead worker left (active without its lock, or failed) would keep the id: it goes
    // first. A locked one (its worker lives) is not removed, and the add then changes nothing.
    await queue.remove(task.taskId);
    await this.add(task);
  }

  async takeReconcileTurn(periodMs: number): Promise<boolean> {
    return (await this.client.set(`${this.prefix}:reconcile-turn`, this.workerId, 'PX', Math.max(1, Math.round(periodMs)), 'NX')) === 'OK';
  }

  async remove(task: QueuedTask): Promise<boolean> {
    const waitKey = this.queueOf(task.key).keys.wait ?? '';
    // Only a job still in the waiting list; a taken one is locked by its worker.
    if ((await this.client.lpos(waitKey, task.taskId)) === null) return false;
    const removed = await this.queueOf(task.key).remove(task.taskId);
    return removed === 1;
  }

  async standing(task: QueuedTask): Promise<QueueStanding | undefined> {
    const queue = this.queueOf(task.key);
    const waitKey = queue.keys.wait ?? '';
    // BullMQ pushes new jobs at the head of the list and takes the oldest from its tail.
    const [index, length] = await Promise.all([this.client.lpos(waitKey, task.taskId), this.client.llen(waitKey)]);
    if (index === null) return undefined;
    const runningForKey = await queue.getActiveCount();
    // Other workers' slots are not known here: without the key's limit reached, it waits for a worker.
    return { position: length - index, reason: waitingReason(this.limits, { forKey: runningForKey }) };
  }

  async queuedPerKey(): Promise<Map<string, number>> {
    const keys = await this.client.zrange(this.keysSet, 0, -1);
    const counts = await Promise.all(keys.map((key) => this.client.llen(this.queueOf(key).keys.wait ?? '')));
    return new Map(keys.map((key, index) => [key, counts[index] ?? 0] as const).filter(([, count]) => count > 0));
  }

  async runningCount(): Promise<number> {
    return this.running.size;
  }

  consume(run: RunQueuedTask): void {
    if (this.runner) throw new Error('this queue already has a consumer');
    this.runner = run;
    this.idleTimer = setInterval(() => this.pump(), this.idleCheckMs);
    this.idleTimer.unref();
    this.pump();
  }

  /** Takes tasks while this worker has free slots; one pass at a time, another one if asked meanwhile. */
  private pump(): void {
    if (!this.runner || this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        while (!this.closed && this.running.size < this.limits.maxConcurrentTasks) {
          if (!(await this.takeNext())) break;
        }
      } while (this.pumpAgain && !this.closed);
    })()
      .catch((error: unknown) => serverLogger.warn({ err: error }, 'task queue error'))
      .finally(() => (this.pumping = undefined));
  }

  /** Starts the next task by fairness; false when no key has a task this worker may take now. */
  private async takeNext(): Promise<boolean> {
    const keys = await this.client.zrange(this.keysSet, 0, -1);
    for (const key of keys) {
      const job = await this.takeFromKey(key);
      if (!job) continue;
      await this.client.zadd(this.keysSet, 'XX', await this.client.incr(`${this.prefix}:serial`), key);
      this.start({ taskId: job.data.taskId, key }, job);
      return true;
    }
    return false;
  }

  private async takeFromKey(key: string): Promise<Job<QueuedTask> | undefined> {
    const queue = this.queueOf(key);
    if ((await this.client.llen(queue.keys.wait ?? '')) === 0) return undefined;
    const lockKey = `${this.prefix}:take-lock:${key}`;
    const lockToken = `${this.workerId}:${randomBytes(4).toString('hex')}`;
    if ((await this.client.set(lockKey, lockToken, 'PX', 10_000, 'NX')) !== 'OK') {
      // Another worker is taking from this key right now; the idle check looks again.
      return undefined;
    }
    try {
      if ((await queue.getActiveCount()) >= this.limits.maxConcurrentTasksPerKey) return undefined;
      const job = (await this.workerOf(key).getNextJob(this.jobToken(key), { block: false })) as Job<QueuedTask> | undefined;
      return job ?? undefined;
    } finally {
      if ((await this.client.get(lockKey)) === lockToken) await this.client.del(lockKey);
    }
  }

  private jobToken(key: string): string {
    return `${this.workerId}:${key}`;
  }

  private start(task: QueuedTask, job: Job<QueuedTask>): void {
    const token = this.jobToken(task.key);
    const renewal = setInterval(() => {
      job.extendLock(token, this.lockDurationMs).catch((error: unknown) => serverLogger.warn({ err: error, taskId: task.taskId }, 'could not renew the job lock'));
    }, this.lockDurationMs / 3);
    this.running.set(task.taskId, { task, renewal });
    const run = this.runner;
    void Promise.resolve()
      .then(() => run?.(task))
      .then(
        () => job.moveToCompleted('ended', token, false),
        (error: unknown) => job.moveToFailed(error instanceof Error ? error : new Error(errorMessage(error)), token, false),
      )
      .catch((error: unknown) => serverLogger.warn({ err: error, taskId: task.taskId }, 'could not mark the job ended'))
      .finally(() => {
        clearInterval(renewal);
        this.running.delete(task.taskId);
        // Another worker may wait for this key's running count to drop.
        this.client.publish(this.changedChannel, task.key).catch(() => undefined);
        this.pump();
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.idleTimer);
    // A pass stuck on an unreachable Redis (commands wait for a reconnect) must not hold shutdown.
    if (this.pumping) await settlesWithin(this.pumping, 2000);
    for (const { renewal } of this.running.values()) clearInterval(renewal);
    this.subscriber.disconnect();
    await Promise.all([...this.workers.values()].map((worker) => worker.close(true).catch(() => undefined)));
    await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => undefined)));
  }
}
