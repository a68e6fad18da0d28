import type { TaskQueueLimits } from './task-queue.js';

/** What a waiting task waits for when no limit holds it back: a worker with a free slot to take it. */
export const awaitingWorkerReason = 'waiting for a worker with a free task slot to take it';

/**
 * Why a key's waiting task waits, in the words every queue implementation uses: only what is
 * known to hold. `runningTotal` is given where one process holds every slot (the embedded queue);
 * in a deployment no process knows the other workers' slots, so a task under its key's limit is
 * said to wait for a worker, which is what it does (all busy, none running, or one about to take it).
 */
export function waitingReason(limits: TaskQueueLimits, running: { forKey: number; total?: number }): string {
  if (running.forKey >= limits.maxConcurrentTasksPerKey) {
    return `this API key already runs ${running.forKey} tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)`;
  }
  if (running.total !== undefined && running.total >= limits.maxConcurrentTasks) {
    return `all ${limits.maxConcurrentTasks} task slots of the server are busy (SMOOTH_MAX_CONCURRENT_TASKS)`;
  }
  return awaitingWorkerReason;
}

export function keyQueueFullMessage(queued: number, limits: TaskQueueLimits): string {
  return `this API key already has ${queued} tasks waiting (the limit is ${limits.maxQueuedTasksPerKey}); wait for some to start or cancel them`;
}

export function queueFullMessage(queued: number, limits: TaskQueueLimits): string {
  return `the server has ${queued} tasks waiting (the limit is ${limits.maxQueuedTasks}); try again later`;
}
