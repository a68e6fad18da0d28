import { errorMessage } from '@open-smooth/protocol';

/**
 * The database could not be reached or did not answer (it stopped, restarted, or the network to
 * it broke): nothing is wrong with the request, so the HTTP layer answers 503 and the client may
 * try again, rather than 500.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';

  constructor(cause: unknown) {
    super(`the database does not answer (${errorMessage(cause)}); try again shortly`, { cause });
  }
}

/**
 * SQLSTATEs of a server that is going away or will not let this process in: connection exceptions
 * (08…), shutdowns (57P01–57P03), too many connections (53300), rejected credentials (28…, e.g. a
 * rotated password) and a database that does not exist (3D000).
 */
function isUnavailabilityState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('28') || ['57P01', '57P02', '57P03', '53300', '3D000'].includes(code);
}

/** What pg throws when it has no working connection (its own messages; no SQLSTATE comes with them). */
const connectionFailureMessage = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end|connect ECONNREFUSED/i;

/**
 * Whether `error` says the database is out of reach rather than that a statement is wrong: a
 * network error from the socket (ECONNREFUSED, ECONNRESET, …, which come with a syscall), one of
 * pg's own connection failures, or a SQLSTATE of a server shutting down.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall, message } = error as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return isUnavailabilityState(code);
  if (typeof syscall === 'string') return true;
  return typeof message === 'string' && connectionFailureMessage.test(message);
}

/** The error to throw on: a DatabaseUnavailableError when the database is out of reach, else the error itself. */
export function asDatabaseError(error: unknown): unknown {
  return error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error) ? error : new DatabaseUnavailableError(error);
}
