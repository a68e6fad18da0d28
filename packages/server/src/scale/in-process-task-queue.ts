import { QueueFullError } from '../tasks/task-errors.js';
import { keyQueueFullMessage, queueFullMessage, waitingReason } from './queue-reasons.js';
import type { QueuedTask, QueueStanding, RunQueuedTask, TaskQueue, TaskQueueLimits } from './task-queue.js';
import { serverLogger } from '../server-logger.js';

/**
 * The embedded mode's queue, in memory: each key has its own FIFO; free slots go to the key with
 * waiting work that was served longest ago (never served first), among keys under their own
 * running limit. A restart forgets it, as the store fails the tasks of a previous run anyway.
 */
export class InProcessTaskQueue implements TaskQueue {
  private readonly queues = new Map<string, QueuedTask[]>();
  /** Keys with queued work, in arrival order. */
  private readonly rotation: string[] = [];
  /** When each key last got a slot (a counter, not a clock); forgotten once it has nothing running or queued. */
  private readonly lastServed = new Map<string, number>();
  private serveCounter = 0;
  private readonly running = new Map<string, string>();
  private readonly runningPerKey = new Map<string, number>();
  private queuedCount = 0;
  private runner: RunQueuedTask | undefined;
  private closed = false;

  constructor(readonly limits: TaskQueueLimits) {}

  enqueue(task: QueuedTask): Promise<void> {
    try {
      this.add(task);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private add(task: QueuedTask): void {
    const queue = this.queues.get(task.key) ?? [];
    if (queue.length >= this.limits.maxQueuedTasksPerKey) throw new QueueFullError(keyQueueFullMessage(queue.length, this.limits));
    if (this.queuedCount >= this.limits.maxQueuedTasks) throw new QueueFullError(queueFullMessage(this.queuedCount, this.limits));
    this.push(task);
  }

  private push(task: QueuedTask): void {
    const queue = this.queues.get(task.key) ?? [];
    if (queue.length === 0) {
      this.queues.set(task.key, queue);
      this.rotation.push(task.key);
    }
    queue.push({ taskId: task.taskId, key: task.key });
    this.queuedCount += 1;
    this.pump();
  }

  remove(task: QueuedTask): Promise<boolean> {
    const queue = this.queues.get(task.key);
    const index = queue?.findIndex((queued) => queued.taskId === task.taskId) ?? -1;
    if (!queue || index < 0) return Promise.resolve(false);
    queue.splice(index, 1);
    this.queuedCount -= 1;
    if (queue.length === 0) this.dropKey(task.key);
    return Promise.resolve(true);
  }

  standing(task: QueuedTask): Promise<QueueStanding | undefined> {
    return Promise.resolve(this.standingNow(task));
  }

  /** The same as `standing`, without a promise (the embedded service reads it on every GET). */
  standingNow(task: QueuedTask): QueueStanding | undefined {
    const index = this.queues.get(task.key)?.findIndex((queued) => queued.taskId === task.taskId) ?? -1;
    if (index < 0) return undefined;
    return { position: index + 1, reason: waitingReason(this.limits, { forKey: this.runningPerKey.get(task.key) ?? 0, total: this.running.size }) };
  }

  private holds(task: QueuedTask): boolean {
    return this.running.has(task.taskId) || (this.queues.get(task.key)?.some((queued) => queued.taskId === task.taskId) ?? false);
  }

  missing(tasks: readonly QueuedTask[]): Promise<QueuedTask[]> {
    return Promise.resolve(tasks.filter((task) => !this.holds(task)));
  }

  requeue(task: QueuedTask): Promise<void> {
    if (!this.holds(task)) this.push(task);
    return Promise.resolve();
  }

  /** One process: it is always this one's turn. */
  takeReconcileTurn(): Promise<boolean> {
    return Promise.resolve(true);
  }

  consume(run: RunQueuedTask): void {
    if (this.runner) throw new Error('this queue already has a consumer');
    this.runner = run;
    this.pump();
  }

  queuedPerKey(): Promise<Map<string, number>> {
    return Promise.resolve(new Map([...this.queues].map(([key, queue]) => [key, queue.length])));
  }

  runningCount(): Promise<number> {
    return Promise.resolve(this.running.size);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private dropKey(key: string): void {
    this.queues.delete(key);
    const index = this.rotation.indexOf(key);
    if (index >= 0) this.rotation.splice(index, 1);
  }

  /** The next task to start: among keys under their own running limit, the one served longest ago. */
  private takeNext(): QueuedTask | undefined {
    let chosen: string | undefined;
    for (const key of this.rotation) {
      if ((this.runningPerKey.get(key) ?? 0) >= this.limits.maxConcurrentTasksPerKey) continue;
      if (chosen === undefined || (this.lastServed.get(key) ?? -1) < (this.lastServed.get(chosen) ?? -1)) chosen = key;
    }
    if (chosen === undefined) return undefined;
    const queue = this.queues.get(chosen);
    const task = queue?.shift();
    if (!queue || !task) return undefined;
    this.queuedCount -= 1;
    this.lastServed.set(chosen, (this.serveCounter += 1));
    if (queue.length === 0) this.dropKey(chosen);
    return task;
  }

  private pump(): void {
    const run = this.runner;
    if (!run) return;
    while (!this.closed && this.running.size < this.limits.maxConcurrentTasks) {
      const task = this.takeNext();
      if (!task) return;
      this.running.set(task.taskId, task.key);
      this.runningPerKey.set(task.key, (this.runningPerKey.get(task.key) ?? 0) + 1);
      // Called at once, as before the queue was an interface: a task that starts on creation
      // already reads `running` in the POST's answer.
      void this.started(run, task)
        .catch((error: unknown) => {
          // The runner stores its own failures; reaching here is a defect worth seeing.
          serverLogger.error({ err: error, taskId: task.taskId }, 'a task ended with an unexpected error (a defect)');
        })
        .finally(() => this.release(task));
    }
  }

  private started(run: RunQueuedTask, task: QueuedTask): Promise<void> {
    try {
      return run(task);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private release(task: QueuedTask): void {
    this.running.delete(task.taskId);
    const count = (this.runningPerKey.get(task.key) ?? 1) - 1;
    if (count > 0) this.runningPerKey.set(task.key, count);
    else this.runningPerKey.delete(task.key);
    if (count <= 0 && !this.queues.has(task.key)) this.lastServed.delete(task.key);
    this.pump();
  }
}
