/**
 * What the task domain refuses, in its own words. The HTTP layer maps each kind to a status in
 * one place (error-handler.ts); a queue worker or another front end maps them its own way.
 */
export type TaskErrorKind = 'not_found' | 'invalid' | 'unusable' | 'conflict' | 'limit' | 'unavailable';

export class TaskError extends Error {
  constructor(
    readonly kind: TaskErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No such task for this tenant (another tenant's ids look exactly like unknown ones), or nothing left to stop. */
export class TaskNotFoundError extends TaskError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** The request names something that does not fit: an unknown file, a finished task, a session action on a task. */
export class InvalidTaskRequestError extends TaskError {
  constructor(message: string) {
    super('invalid', message);
  }
}

/** The task is in a state that forbids this now (its data cannot go while it runs). */
export class TaskStillRunningError extends TaskError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Too many tasks waiting: for this key, or for the server. */
export class QueueFullError extends TaskError {
  constructor(message: string) {
    super('limit', message);
  }
}

/** An option the request is well-formed for but cannot be honoured (a proxy that cannot work, a certificate that does not open). */
export class UnusableTaskOptionError extends TaskError {
  constructor(message: string) {
    super('unusable', message);
  }
}

/** The task names a profile the tenant has not created. */
export class ProfileNotFoundError extends TaskError {
  constructor(profileId: string) {
    super('not_found', `profile not found: ${profileId}; create it with POST /profile first`);
  }
}

/** Another task writes the profile now: one writer at a time. */
export class ProfileInUseError extends TaskError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** The process that runs the task did not answer (distributed mode: a worker gone or Redis unreachable). */
export class TaskOwnerUnavailableError extends TaskError {
  constructor(message: string) {
    super('unavailable', message);
  }
}
