/**
 * One writer per profile: a task that saves its profile back holds the profile from creation
 * until its state is saved. Read-only users take no lock and never block. In-process, like the
 * scheduler: a restart fails every live task, so no lock outlives its holder.
 */
export class ProfileLocks {
  readonly #writers = new Map<string, string>();

  /** The task holding the profile for writing, if any. */
  writerOf(tenant: string, profileId: string): string | undefined {
    return this.#writers.get(lockKey(tenant, profileId));
  }

  /** False when another task holds it. */
  acquire(tenant: string, profileId: string, taskId: string): boolean {
    const key = lockKey(tenant, profileId);
    const holder = this.#writers.get(key);
    if (holder !== undefined && holder !== taskId) return false;
    this.#writers.set(key, taskId);
    return true;
  }

  /** Lets go of whatever the task holds (called once it has ended, its profile saved). */
  releaseHeldBy(taskId: string): void {
    for (const [key, holder] of this.#writers) if (holder === taskId) this.#writers.delete(key);
  }
}

function lockKey(tenant: string, profileId: string): string {
  return `${tenant}\n${profileId}`;
}
