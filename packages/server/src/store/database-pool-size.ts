import type { ServerRole } from '../server-role.js';

/** Largest pool accepted: a typo (an extra zero) should not open thousands of connections. */
export const maxDatabasePoolSize = 1000;

/**
 * The default pool of an api process (and of `all`): every request reads the database, and a
 * burst of polls runs its SELECTs side by side, so it keeps pg's usual 10.
 */
export const apiDatabasePoolSize = 10;

/**
 * A worker's queries are its tasks' writes (events, steps, leases) and the lease heartbeat: short,
 * one at a time per task, so it needs far fewer connections than slots (see bench/README.md
 * "Distributed mode": measured peak use). Half its slots plus one for the heartbeat and sweep
 * leaves room for bursts, never more than the api default.
 */
export function workerDatabasePoolSize(slots: number): number {
  return Math.min(apiDatabasePoolSize, Math.max(2, Math.ceil(slots / 2) + 1));
}

export class InvalidDatabasePoolSizeError extends Error {
  override readonly name = 'InvalidDatabasePoolSizeError';
}

/**
 * How many PostgreSQL connections this process may open: the option, else
 * SMOOTH_DATABASE_POOL_SIZE, else the role's default (a worker's from its slots).
 */
export function resolveDatabasePoolSize(option: number | undefined, environment: NodeJS.ProcessEnv, role: ServerRole, slots: number, databaseUrl: string | undefined): number {
  const text = environment.SMOOTH_DATABASE_POOL_SIZE?.trim();
  const source = option !== undefined ? 'the databasePoolSize option' : 'SMOOTH_DATABASE_POOL_SIZE';
  if ((option !== undefined || text) && !databaseUrl) {
    // The embedded SQLite database has no pool: the setting would do nothing.
    throw new InvalidDatabasePoolSizeError(`${source} sizes the PostgreSQL connection pool, and no PostgreSQL database is configured (SMOOTH_DATABASE_URL or --database-url); remove it or give the database URL`);
  }
  if (option !== undefined) return checkedPoolSize(option, source, String(option));
  if (text) return checkedPoolSize(Number(text), source, text);
  return role === 'worker' ? workerDatabasePoolSize(slots) : apiDatabasePoolSize;
}

function checkedPoolSize(value: number, source: string, text: string): number {
  if (!Number.isInteger(value) || value < 1 || value > maxDatabasePoolSize) {
    throw new InvalidDatabasePoolSizeError(`${source} must be a whole number of connections from 1 to ${maxDatabasePoolSize}, not "${text}"`);
  }
  return value;
}
