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
 * (StoredTaskLaunches). Either way one taker gets it, once.
 */
export interface TaskLaunches {
  put(launch: TaskLaunch): Promise<void>;
  /** The launch, removed: a second take of the same task finds nothing. */
  take(taskId: string): Promise<TaskLaunch | undefined>;
  /** Forgets a launch nobody will take (a task cancelled or failed while it waited). */
  drop(taskId: string): Promise<void>;
  /**
   * Launches this process holds for tasks still waiting (shutdown lets go of them, the heartbeat
   * checks them); none when they are stored, since they outlive the process.
   */
  waiting(): TaskLaunch[];
}
