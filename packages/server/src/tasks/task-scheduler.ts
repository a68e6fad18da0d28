import { QueueFullError } from './task-errors.js';

interface QueuedRun {
  taskId: string;
  tenant: string;
  start: () => Promise<void>;
}

export interface SchedulerLimits {
  /** Tasks running at once, all keys together. */
  maxConcurrentTasks: number;
  /** Tasks one key may run at once; below the global limit, so one key never holds every slot. */
  maxConcurrentTasksPerKey: number;
  /** Tasks one key may have waiting; more are refused (QueueFullError). */
  maxQueuedTasksPerKey: number;
  /** Tasks waiting, all keys together (a memory bound). */
  maxQueuedTasks: number;
}

/** Why a queued task waits, and where it stands. */
export interface QueueStanding {
  /** 1 = the next of its key to start. */
  position: number;
  reason: string;
}

/**
 * Fair queue: each key (tenant) has its own FIFO queue; free slots go round-robin between keys
 * that have work and are under their own running limit, so one key with a thousand queued
 * tasks delays another key's task by at most one turn.
 */
export class TaskScheduler {
  private readonly queues = new Map<string, QueuedRun[]>();
  /** Keys with queued work, in arrival order. */
  private readonly rotation: string[] = [];
  /** When each key last got a slot (a counter, not a clock); forgotten once it has nothing running or queued. */
  private readonly lastServed = new Map<string, number>();
  private serveCounter = 0;
  private readonly running = new Map<string, string>();
  private readonly runningPerTenant = new Map<string, number>();
  private queuedCount = 0;

  constructor(readonly limits: SchedulerLimits) {}

  /** Queues a run; `start` resolves when the task (or session) has ended and freed its slot. */
  enqueue(taskId: string, tenant: string, start: () => Promise<void>): void {
    const queue = this.queues.get(tenant) ?? [];
    if (queue.length >= this.limits.maxQueuedTasksPerKey) {
      throw new QueueFullError(`this API key already has ${queue.length} tasks waiting (the limit is ${this.limits.maxQueuedTasksPerKey}); wait for some to start or cancel them`);
    }
    if (this.queuedCount >= this.limits.maxQueuedTasks) {
      throw new QueueFullError(`the server has ${this.queuedCount} tasks waiting (the limit is ${this.limits.maxQueuedTasks}); try again later`);
    }
    if (queue.length === 0) {
      this.queues.set(tenant, queue);
      this.rotation.push(tenant);
    }
    queue.push({ taskId, tenant, start });
    this.queuedCount += 1;
    this.pump();
  }

  /** Drops a task that has not started yet; true when it was still queued. */
  remove(taskId: string): boolean {
    for (const [tenant, queue] of this.queues) {
      const index = queue.findIndex((run) => run.taskId === taskId);
      if (index < 0) continue;
      queue.splice(index, 1);
      this.queuedCount -= 1;
      if (queue.length === 0) this.dropTenant(tenant);
      return true;
    }
    return false;
  }

  /** Where a queued task stands and why it waits; undefined once it runs (or was never queued). */
  standing(taskId: string, tenant: string): QueueStanding | undefined {
    const queue = this.queues.get(tenant);
    const index = queue?.findIndex((run) => run.taskId === taskId) ?? -1;
    if (index < 0) return undefined;
    const runningForKey = this.runningPerTenant.get(tenant) ?? 0;
    const reason =
      runningForKey >= this.limits.maxConcurrentTasksPerKey
        ? `this API key already runs ${runningForKey} tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)`
        : `all ${this.limits.maxConcurrentTasks} task slots of the server are busy (SMOOTH_MAX_CONCURRENT_TASKS)`;
    return { position: index + 1, reason };
  }

  /** Tasks waiting, per key (for the metrics). */
  queuedPerKey(): Map<string, number> {
    return new Map([...this.queues].map(([tenant, queue]) => [tenant, queue.length]));
  }

  /** Tasks and sessions holding a slot now. */
  get runningCount(): number {
    return this.running.size;
  }

  private dropTenant(tenant: string): void {
    this.queues.delete(tenant);
    const index = this.rotation.indexOf(tenant);
    if (index >= 0) this.rotation.splice(index, 1);
  }

  /**
   * The next run to start: among keys under their own running limit, the one served longest ago
   * (never served first), so a key that just got a slot waits for the others' turns.
   */
  private takeNext(): QueuedRun | undefined {
    let chosen: string | undefined;
    for (const tenant of this.rotation) {
      if ((this.runningPerTenant.get(tenant) ?? 0) >= this.limits.maxConcurrentTasksPerKey) continue;
      if (chosen === undefined || (this.lastServed.get(tenant) ?? -1) < (this.lastServed.get(chosen) ?? -1)) chosen = tenant;
    }
    if (chosen === undefined) return undefined;
    const queue = this.queues.get(chosen);
    const run = queue?.shift();
    if (!queue || !run) return undefined;
    this.queuedCount -= 1;
    this.lastServed.set(chosen, (this.serveCounter += 1));
    if (queue.length === 0) this.dropTenant(chosen);
    return run;
  }

  private pump(): void {
    while (this.running.size < this.limits.maxConcurrentTasks) {
      const run = this.takeNext();
      if (!run) return;
      this.running.set(run.taskId, run.tenant);
      this.runningPerTenant.set(run.tenant, (this.runningPerTenant.get(run.tenant) ?? 0) + 1);
      void run
        .start()
        .catch((error: unknown) => {
          // LiveTask.run stores its own failures; reaching here is a defect worth seeing.
          process.stderr.write(`open-smooth: task ${run.taskId} ended with an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        })
        .finally(() => {
          this.running.delete(run.taskId);
          const count = (this.runningPerTenant.get(run.tenant) ?? 1) - 1;
          if (count > 0) this.runningPerTenant.set(run.tenant, count);
          else this.runningPerTenant.delete(run.tenant);
          if (count <= 0 && !this.queues.has(run.tenant)) this.lastServed.delete(run.tenant);
          this.pump();
        });
    }
  }
}
