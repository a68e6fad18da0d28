import type { CommandBus } from '../scale/command-bus.js';
import type { EventNotifier } from '../scale/event-notifier.js';
import { InProcessCommandBus } from '../scale/in-process-command-bus.js';
import { InProcessEventNotifier } from '../scale/in-process-event-notifier.js';
import { InProcessTaskQueue } from '../scale/in-process-task-queue.js';
import type { TaskQueue, TaskQueueLimits } from '../scale/task-queue.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { WithheldAnswerBook } from './error-answer-delay.js';
import type { FinishGate } from './finish-gate.js';
import { TaskEventLog } from './task-event-log.js';
import { InMemoryTaskLaunches } from './in-memory-task-launches.js';
import { StoredTaskLaunches } from './stored-task-launches.js';
import { TaskRunner, type TaskRunnerOptions } from './task-runner.js';
import { TaskService } from './task-service.js';

/** What the worker side needs besides the seams, plus what only the API side uses. */
export type EmbeddedTasksOptions = Omit<TaskRunnerOptions, 'eventLog' | 'queue' | 'commands' | 'notifier' | 'launches' | 'onFinished' | 'distributed'> & {
  resources: ResourceStore;
  limits: TaskQueueLimits;
  finishGraceMs: number;
  /**
   * Whether this process runs tasks (roles all and worker) or only answers the API (role api: no
   * runner, no browser).
   */
  runsTasks: boolean;
  /**
   * Whether other processes share this one's tasks (roles api and worker): tasks are created
   * without a lease and claimed by the worker that takes them; their launches (settings with their
   * secrets) are stored sealed in the shared database. False for role all, also on Redis (one
   * process per queue): launches in memory, the lease taken at creation.
   */
  distributed: boolean;
};

export interface EmbeddedTasks {
  service: TaskService;
  /** For the metrics: what waits and what runs. */
  queue: TaskQueue;
  /** Takes tasks from the queue once started (after the leftovers of a previous run were failed); none in an api process. */
  runner: TaskRunner | undefined;
  /** Wake-ups by topic (a held tunnel connection watches its task start). */
  notifier: EventNotifier;
  /** Stops the runner (live tasks left as a crash would leave them), then the service. */
  close(): Promise<void>;
}

/** The seams that join the two sides. */
export interface TaskSeams {
  queue: TaskQueue;
  commands: CommandBus;
  notifier: EventNotifier;
  /** What polls read across processes (Redis in distributed mode); default: this process's memory. */
  pollGates?: PollGates;
}

/** The poll state that every process which ends or polls a task must see alike. */
export interface PollGates {
  finishGate: FinishGate;
  withheldAnswers: WithheldAnswerBook;
}

/**
 * One process, `--role all`: the API side and the worker side joined by the in-process queue,
 * command bus and notifier (what the server did before they were interfaces, at the same speed).
 */
export function embeddedTasks(options: EmbeddedTasksOptions): EmbeddedTasks {
  return tasksOverSeams(options, { queue: new InProcessTaskQueue(options.limits), commands: new InProcessCommandBus(), notifier: new InProcessEventNotifier() });
}

/** The API side and the worker side of one process, joined by the given seams (in-process or Redis). */
export function tasksOverSeams(options: EmbeddedTasksOptions, { queue, commands, notifier, pollGates }: TaskSeams): EmbeddedTasks {
  const { distributed } = options;
  const launches = distributed ? new StoredTaskLaunches(options.store) : new InMemoryTaskLaunches();
  const eventLog = new TaskEventLog(options.store, notifier, pollGates?.withheldAnswers);
  const service = new TaskService({
    store: options.store,
    resources: options.resources,
    eventLog,
    queue,
    commands,
    notifier,
    launches,
    blobs: options.blobs,
    workDirectory: options.workDirectory,
    finishGraceMs: options.finishGraceMs,
    ...(pollGates ? { finishGate: pollGates.finishGate } : {}),
    workerId: options.workerId,
    leaseMs: options.leaseMs,
    distributed,
  });
  const { resources: _resources, limits: _limits, finishGraceMs: _finishGraceMs, runsTasks, distributed: _distributed, ...workerSettings } = options;
  const runner = runsTasks
    ? new TaskRunner({
        ...workerSettings,
        eventLog,
        queue,
        commands,
        notifier,
        launches,
        distributed,
        onFinished: (taskId) => service.taskEnded(taskId),
      })
    : undefined;
  return {
    service,
    queue,
    runner,
    notifier,
    async close() {
      // An api process has no runner: the queue it put tasks on closes here.
      await (runner ? runner.close() : queue.close());
      await service.close();
      await Promise.all([commands.close(), notifier.close()]);
    },
  };
}
