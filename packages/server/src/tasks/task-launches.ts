import type { TaskRecord } from '../store/task-record.js';
import type { CallerTunnel } from '../tunnel/caller-tunnel.js';
import type { TaskSettings } from '../wire-format.js';

/** What a worker needs to start a queued task beyond its id: the settings as created, with their secrets. */
export interface TaskLaunch {
  record: TaskRecord;
  settings: TaskSettings;
  /** The caller's tunnel (proxy_server "self"), open from creation so the caller can connect while the task waits. */
  callerTunnel?: CallerTunnel;
}

/**
 * Hands a created task's launch from the service to the runner in the same process. The settings
 * hold what the store keeps sealed or not at all (secrets, the proxy password, certificates), so
 * they travel in memory; a worker in another process would rebuild them from the store (not built
 * yet: see ARCHITECTURE.md, "Scale-out seams").
 */
export class TaskLaunches {
  private readonly launches = new Map<string, TaskLaunch>();

  put(launch: TaskLaunch): void {
    this.launches.set(launch.record.id, launch);
  }

  take(taskId: string): TaskLaunch | undefined {
    const launch = this.launches.get(taskId);
    this.launches.delete(taskId);
    return launch;
  }

  drop(taskId: string): void {
    this.launches.delete(taskId);
  }

  /** Launches of tasks still waiting (shutdown lets go of them). */
  waiting(): TaskLaunch[] {
    return [...this.launches.values()];
  }
}
