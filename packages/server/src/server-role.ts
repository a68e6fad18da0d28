import type { ServerOptions } from './server-options.js';

/**
 * What one server process does: `all` is the embedded default (API and browsers in one process);
 * `api` answers the REST API and never opens a browser (any number behind a load balancer);
 * `worker` takes tasks from the shared queue and owns their browsers (any number, any machine).
 */
export type ServerRole = 'all' | 'api' | 'worker';

export const serverRoles: readonly ServerRole[] = ['all', 'api', 'worker'];

export class InvalidServerRoleError extends Error {
  override readonly name = 'InvalidServerRoleError';
}

export function isServerRole(value: string): value is ServerRole {
  return (serverRoles as readonly string[]).includes(value);
}

/** The option, else SMOOTH_ROLE, else `all`. */
export function serverRoleOf(options: ServerOptions, environment: NodeJS.ProcessEnv = process.env): ServerRole {
  const chosen = options.role ?? (environment.SMOOTH_ROLE?.trim() || 'all');
  if (!isServerRole(chosen)) throw new InvalidServerRoleError(`the server role is one of ${serverRoles.join(', ')}, not ${JSON.stringify(chosen)}`);
  return chosen;
}

/** What separate api and worker processes must share; said at start rather than discovered at the first task. */
export interface SharedBackends {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** A blob store every process reaches: an s3:// or file:// URL, or an open store given by the caller. */
  sharedBlobs: boolean;
  /** Whether a secret key was given (otherwise each process would seal with a key of its own). */
  secretKey: boolean;
}

export function refuseUnsharedBackends(role: ServerRole, backends: SharedBackends): void {
  if (role === 'all') return;
  const missing: string[] = [];
  if (!backends.databaseUrl) missing.push('a PostgreSQL database (SMOOTH_DATABASE_URL or --database-url)');
  if (!backends.redisUrl) missing.push('Redis (SMOOTH_REDIS_URL or --redis-url)');
  if (!backends.secretKey) missing.push('one secret key for sealed secrets (SMOOTH_SECRET_KEY: base64 of 32 bytes, e.g. `openssl rand -base64 32`)');
  if (!backends.sharedBlobs) missing.push('a blob store every process reaches (SMOOTH_BLOB_URL or --blob-url: s3://… or file:///shared/folder)');
  if (missing.length > 0) {
    throw new InvalidServerRoleError(`role ${role} runs beside other processes and needs what they share: ${missing.join('; ')}. For one process on one machine, use role all (the default).`);
  }
}
