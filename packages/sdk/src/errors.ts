/**
 * Error classes with the names and fields of the official Smooth SDKs, so `catch` blocks
 * written for them keep working.
 */

/** The API answered with an error status (or could not be reached: statusCode 0). */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly detail: string;
  readonly responseData: Record<string, unknown> | null;

  constructor(statusCode: number, detail: string, responseData?: Record<string, unknown> | null) {
    super(`API Error ${statusCode}: ${detail}`);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.detail = detail;
    this.responseData = responseData ?? null;
  }
}

/** The call makes no sense in the task's current state (e.g. the live URL of a finished task). */
export class BadRequestError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** Waiting for a task (or one of its URLs) took longer than the caller allowed. */
export class SmoothTimeoutError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * Thrown by a custom tool to report an error the agent may work around (answered with code 400),
 * and raised by session commands the server answered with code 400.
 */
export class ToolCallError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'ToolCallError';
  }
}

export { SmoothTimeoutError as TimeoutError };
