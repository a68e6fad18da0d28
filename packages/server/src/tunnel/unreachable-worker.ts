/** A task whose worker cannot be reached: who it was, and when its lease runs out (the lease sweep then fails the task). */
export interface UnreachableWorker {
  workerId: string;
  leaseExpiresAtMs: number;
}

/** What a viewer or caller is told about a task whose worker cannot be reached. */
export function unreachableWorkerMessage(taskId: string, worker: UnreachableWorker, now = Date.now()): string {
  const seconds = Math.ceil((worker.leaseExpiresAtMs - now) / 1000);
  const when = seconds > 0 ? `when its lease expires, in about ${seconds} s` : 'now that its lease has expired';
  return `the worker running task ${taskId} (${worker.workerId}) cannot be reached: it has stopped or its machine is gone; the task will be failed ${when}`;
}
