import { TooManyRequestsError } from '../http-errors.js';

interface QueuedRun {
  taskId: string;
  tenant: string;
  start: () => Promise<void>;
}

export interface SchedulerLimits {
  maxConcurrentTasks: number;
  maxConcurrentTasksPerKey: number;
  /** More queued tasks than this and new ones are refused with 429. */
  maxQueuedTasks: number;
}

/** FIFO queue with a global and a per-tenant limit on live tasks; a queued task reads `waiting`. */
export class TaskScheduler {
  private readonly queue: QueuedRun[] = [];
  private readonly running = new Map<string, string>();

  constructor(private readonly limits: SchedulerLimits) {}

  /** Queues a run; `start` resolves when the task (or session) has ended and freed its slot. */
  enqueue(taskId: string, tenant: string, start: () => Promise<void>): void {
    if (this.queue.length >= this.limits.maxQueuedTasks) {
      throw new TooManyRequestsError(`too many queued tasks (${this.limits.maxQueuedTasks}); try again later`);
    }
    this.queue.push({ taskId, tenant, start });
    this.pump();
  }

  /** Drops a task that has not started yet; true when it was still queued. */
  remove(taskId: string): boolean {
    const index = this.queue.findIndex((run) => run.taskId === taskId);
    if (index < 0) return false;
    this.queue.splice(index, 1);
    return true;
  }

  isQueued(taskId: string): boolean {
    return this.queue.some((run) => run.taskId === taskId);
  }

  private runningFor(tenant: string): number {
    let count = 0;
    for (const owner of this.running.values()) if (owner === tenant) count += 1;
    return count;
  }

  private pump(): void {
    while (this.running.size < this.limits.maxConcurrentTasks) {
      const index = this.queue.findIndex((run) => this.runningFor(run.tenant) < this.limits.maxConcurrentTasksPerKey);
      if (index < 0) return;
      const [run] = this.queue.splice(index, 1);
      if (!run) return;
      this.running.set(run.taskId, run.tenant);
      void run
        .start()
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(run.taskId);
          this.pump();
        });
    }
  }
}
