import type { TaskLaunch, TaskLaunches } from './task-launches.js';

/**
 * Launches from the service to the runner of the same process (the embedded mode): nothing is
 * stored, the settings keep their secrets in memory only, and a restart fails what waited.
 */
export class InMemoryTaskLaunches implements TaskLaunches {
  private readonly launches = new Map<string, TaskLaunch>();

  async put(launch: TaskLaunch): Promise<void> {
    this.launches.set(launch.record.id, launch);
  }

  async take(taskId: string): Promise<TaskLaunch | undefined> {
    const launch = this.launches.get(taskId);
    this.launches.delete(taskId);
    return launch;
  }

  /** Taken already: one process, and its restart fails what waited. */
  async started(): Promise<void> {}

  async drop(taskId: string): Promise<void> {
    this.launches.delete(taskId);
  }

  waiting(): TaskLaunch[] {
    return [...this.launches.values()];
  }
}
