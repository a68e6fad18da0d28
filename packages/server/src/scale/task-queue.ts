/** A task waiting for a slot, queued under its key (the tenant): fairness and limits are per key. */
export interface QueuedTask {
  taskId: string;
  key: string;
}

export interface TaskQueueLimits {
  /** Tasks running at once, all keys together (per worker process in distributed mode). */
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

/** Runs a task the queue handed out; resolves once the task has ended and may free its slot. */
export type RunQueuedTask = (task: QueuedTask) => Promise<void>;

/**
 * The task queue between the API side (enqueue, cancel, standing) and the workers (consume).
 * Implementations: `InProcessTaskQueue` (embedded mode) and `BullmqTaskQueue` (Redis). Both are fair
 * across keys: a freed slot goes to the key with waiting work that was served longest ago, so one
 * key with a thousand queued tasks delays another key's task by at most one turn.
 */
export interface TaskQueue {
  /** Queues a task; throws QueueFullError when its key's or the whole queue's limit is reached. */
  enqueue(task: QueuedTask): Promise<void>;
  /** Drops a task that has not started; true when it was still waiting (false once a worker took it). */
  remove(task: QueuedTask): Promise<boolean>;
  /** Where a waiting task stands and why; undefined once it runs (or was never queued). */
  standing(task: QueuedTask): Promise<QueueStanding | undefined>;
  /**
   * Worker side: from now on hands queued tasks to `run`, within the limits. A slot is held until
   * `run` settles. One consumer per queue object.
   */
  consume(run: RunQueuedTask): void;
  /**
   * Of these tasks, which the caller knows should be queued (waiting, claimed by no worker), those
   * the queue holds no live entry for: lost (Redis restarted without persistence, its data flushed)
   * or left behind by a worker that died holding it.
   */
  missing(tasks: readonly QueuedTask[]): Promise<QueuedTask[]>;
  /**
   * Queues again a task it lost or whose worker died before starting it: past the queued limits
   * (the task was accepted already) and idempotent (a task it holds stays where it is).
   */
  requeue(task: QueuedTask): Promise<void>;
  /**
   * Whether this process runs the deployment's check for lost tasks now: true for at most one
   * process per `periodMs` (the check reads every waiting task; one process at a time is enough).
   */
  takeReconcileTurn(periodMs: number): Promise<boolean>;
  /** Tasks waiting per key (for the metrics). */
  queuedPerKey(): Promise<Map<string, number>>;
  /** Tasks this process's consumer runs now (for the metrics; each worker reports its own). */
  runningCount(): Promise<number>;
  /** Stops handing out tasks (running ones are the consumer's to end) and lets go of connections. */
  close(): Promise<void>;
}
