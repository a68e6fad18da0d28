import { join } from 'node:path';
import { CachedTaskStore } from './cached-task-store.js';
import { openDatabase } from './open-database.js';
import { isPostgresUrl, openPostgres, redactedUrl, type PostgresPoolOptions } from './postgres-database.js';
import { PostgresResourceStore } from './postgres-resource-store.js';
import { PostgresTaskStore } from './postgres-task-store.js';
import { SqliteResourceStore, type ResourceStore } from './resource-store.js';
import type { SecretSealer } from './secret-sealer.js';
import { SqliteTaskStore } from './sqlite-task-store.js';
import type { TaskStore } from './task-record.js';

export interface DatabaseConnections {
  total: number;
  idle: number;
  waiting: number;
}

export interface OpenedStores {
  taskStore: TaskStore;
  resources: ResourceStore;
  /** "SQLite at <path>" or "PostgreSQL at <url without password>", for the start-up line. */
  description: string;
  /** Resolves when the database answers a trivial query (the readiness check). */
  checkReachable(): Promise<void>;
  /** The PostgreSQL pool's connections now (open, idle, queries waiting for one); undefined for SQLite. */
  connections(): DatabaseConnections | undefined;
  close(): Promise<void>;
}

/**
 * The server's storage: PostgreSQL when `databaseUrl` is a postgres:// URL (several processes may
 * share it), else SQLite in the data directory (one process). Only the SQLite store gets the
 * in-memory cache: it assumes its process is the only writer, which a shared database breaks.
 */
export async function openStores(options: {
  databaseUrl?: string | undefined;
  dataDirectory: string;
  sealer: SecretSealer;
  /** PostgreSQL only: the pool's size and the name its connections show (postgres-database.ts). */
  pool?: PostgresPoolOptions;
}): Promise<OpenedStores> {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (!isPostgresUrl(url)) throw new Error(`the database URL ${redactedUrl(url)} is not a postgres:// or postgresql:// URL; leave it unset for the embedded SQLite database`);
    const pool = await openPostgres(url, options.pool);
    return {
      taskStore: new PostgresTaskStore(pool, options.sealer),
      resources: new PostgresResourceStore(pool),
      description: `PostgreSQL at ${redactedUrl(url)}`,
      checkReachable: async () => void (await pool.query('SELECT 1')),
      connections: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => pool.end(),
    };
  }
  const path = join(options.dataDirectory, 'open-smooth.sqlite');
  const database = openDatabase(path);
  return {
    taskStore: new CachedTaskStore(new SqliteTaskStore(database, options.sealer)),
    resources: new SqliteResourceStore(database),
    description: `SQLite at ${path}`,
    checkReachable: async () => void database.prepare('SELECT 1').get(),
    connections: () => undefined,
    close: async () => void database.close(),
  };
}
