import type { CommandBus } from '../scale/command-bus.js';
import type { EventNotifier } from '../scale/event-notifier.js';
import { InProcessCommandBus } from '../scale/in-process-command-bus.js';
import { InProcessEventNotifier } from '../scale/in-process-event-notifier.js';
import { InProcessTaskQueue } from '../scale/in-process-task-queue.js';
import type { TaskQueue, TaskQueueLimits } from '../scale/task-queue.js';
import type { ResourceStore } from '../store/resource-store.js';
import { TaskEventLog } from './task-event-log.js';
import { TaskLaunches } from './task-launches.js';
import { TaskRunner, type TaskRunnerOptions } from './task-runner.js';
import { TaskService } from './task-service.js';

/** What the worker side needs besides the seams, plus what only the API side uses. */
export type EmbeddedTasksOptions = Omit<TaskRunnerOptions, 'eventLog' | 'queue' | 'commands' | 'notifier' | 'launches' | 'onFinished'> & {
  resources: ResourceStore;
  limits: TaskQueueLimits;
  finishGraceMs: number;
  /**
   * Whether this process runs tasks (roles all and worker) or only answers the API (role api: no
   * runner, no browser).
   */
  runsTasks: boolean;
  /**
   * Whether other processes share this one's tasks (roles api and worker): what the API side
   * knows must then reach workers elsewhere, and tasks are claimed by whichever worker takes them.
   * False for role all, also on Redis (one process per queue).
   */
  distributed: boolean;
};

export interface EmbeddedTasks {
  service: TaskService;
  /** For the metrics: what waits and what runs. */
  queue: TaskQueue;
  /** Takes tasks from the queue once started (after the leftovers of a previous run were failed); none in an api process. */
  runner: TaskRunner | undefined;
  /** Stops the runner (live tasks left as a crash would leave them), then the service. */
  close(): Promise<void>;
}

/** The seams that join the two sides. */
export interface TaskSeams {
  queue: TaskQueue;
  commands: CommandBus;
  notifier: EventNotifier;
}

/**
 * One process, `--role all`: the API side and the worker side joined by the in-process queue,
 * command bus and notifier (what the server did before they were interfaces, at the same speed).
 */
export function embeddedTasks(options: EmbeddedTasksOptions): EmbeddedTasks {
  return tasksOverSeams(options, { queue: new InProcessTaskQueue(options.limits), commands: new InProcessCommandBus(), notifier: new InProcessEventNotifier() });
}

/** The API side and the worker side of one process, joined by the given seams (in-process or Redis). */
export function tasksOverSeams(options: EmbeddedTasksOptions, { queue, commands, notifier }: TaskSeams): EmbeddedTasks {
  const launches = new TaskLaunches();
  const eventLog = new TaskEventLog(options.store, notifier);
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
    workerId: options.workerId,
    leaseMs: options.leaseMs,
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
        onFinished: (taskId) => service.taskEnded(taskId),
      })
    : undefined;
  return {
    service,
    queue,
    runner,
    async close() {
      // An api process has no runner: the queue it put tasks on closes here.
      await (runner ? runner.close() : queue.close());
      await service.close();
      await Promise.all([commands.close(), notifier.close()]);
    },
  };
}
