import type { TaskRecord } from '../store/task-record.js';
import type { CallerTunnel } from '../tunnel/caller-tunnel.js';
import type { TaskSettings } from '../wire-format.js';

/** What a worker needs to start a queued task beyond its id: the settings as created, with their secrets. */
export interface TaskLaunch {
  record: TaskRecord;
  settings: TaskSettings;
  /**
   * The caller's tunnel (proxy_server "self"), when the process that created the task runs it:
   * open from creation so the caller can connect while the task waits. A stored launch has none;
   * the worker that starts such a task opens it.
   */
  callerTunnel?: CallerTunnel;
}

/**
 * Hands a created task's launch from the service to the worker that takes the task. In one
 * process it travels in memory (InMemoryTaskLaunches); between processes it is stored sealed
 * (StoredTaskLaunches). Either way only the worker that claimed the task starts it.
 */
export interface TaskLaunches {
  put(launch: TaskLaunch): Promise<void>;
  /**
   * The launch, for the worker that claimed the task. In memory it is removed (one process);
   * stored, it stays until `started`, so a task whose worker died before starting it can be
   * handed to another worker with its settings.
   */
  take(taskId: string): Promise<TaskLaunch | undefined>;
  /** The task has started (its status is `running`): its launch is of no more use. */
  started(taskId: string): Promise<void>;
  /** Forgets a launch nobody will take (a task cancelled or failed while it waited). */
  drop(taskId: string): Promise<void>;
  /**
   * Launches this process holds for tasks still waiting (shutdown lets go of them, the heartbeat
   * checks them); none when they are stored, since they outlive the process.
   */
  waiting(): TaskLaunch[];
}
