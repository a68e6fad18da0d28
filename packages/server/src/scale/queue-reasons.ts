import type { TaskQueueLimits } from './task-queue.js';

/** Why a key's waiting task waits, in the words every queue implementation uses. */
export function waitingReason(limits: TaskQueueLimits, runningForKey: number): string {
  return runningForKey >= limits.maxConcurrentTasksPerKey
    ? `this API key already runs ${runningForKey} tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)`
    : `all ${limits.maxConcurrentTasks} task slots of the server are busy (SMOOTH_MAX_CONCURRENT_TASKS)`;
}

export function keyQueueFullMessage(queued: number, limits: TaskQueueLimits): string {
  return `this API key already has ${queued} tasks waiting (the limit is ${limits.maxQueuedTasksPerKey}); wait for some to start or cancel them`;
}

export function queueFullMessage(queued: number, limits: TaskQueueLimits): string {
  return `the server has ${queued} tasks waiting (the limit is ${limits.maxQueuedTasks}); try again later`;
}
