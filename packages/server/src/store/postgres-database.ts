import pg from 'pg';
import { errorMessage } from '@open-smooth/protocol';
import { asDatabaseError } from './database-unavailable-error.js';
import { postgresMigrations } from './postgres-migrations.js';
import { serverLogger } from '../server-logger.js';

export type PostgresPool = pg.Pool;

/** Whether a database URL names PostgreSQL (the only networked database the server speaks). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * BIGINT columns (millisecond times, byte counts, COUNT(*)) arrive as JS numbers: every value
 * stored is far below 2^53, and the stores compare and add them.
 */
const bigintAsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** An arbitrary constant: the advisory lock every process takes while it migrates. */
const migrationLockKey = 0x5e0047;

/**
 * Applies the migrations a database lacks, all in one transaction under an advisory lock, so that
 * processes starting together migrate once and none reads a half-made schema.
 */
export async function migratePostgres(pool: PostgresPool, migrations: readonly string[] = postgresMigrations): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations');
    const applied = rows[0]?.version ?? 0;
    if (applied > migrations.length) {
      throw new Error(`the database is at schema version ${applied}, newer than this server's ${migrations.length}: upgrade the server`);
    }
    for (let version = applied + 1; version <= migrations.length; version += 1) {
      await client.query(migrations[version - 1] ?? '');
      await client.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)', [version, Date.now()]);
    }
    await client.query('COMMIT');
    return migrations.length - applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Longest wait for a new connection, or for a free one when the pool is full. */
export const connectionTimeoutMs = 10_000;
/**
 * Longest a statement may take to answer: every statement here is short, so a longer wait means
 * the database (or the network to it) has gone. Without it a query to a vanished host waits for
 * TCP to give up (many minutes), and a close waits for the query.
 */
export const queryTimeoutMs = 30_000;

export interface PostgresPoolOptions {
  /** Connections this process may open; default 10 (resolveDatabasePoolSize picks per role). */
  maxConnections?: number;
  /** What pg_stat_activity shows for this process's connections, unless the URL names one (application_name=). */
  applicationName?: string;
}

/**
 * pg reads every URL parameter as a connection setting, so a pool setting there (`?max=20`) would
 * be ignored without a word: it is refused and the option that works is named.
 */
function refusePoolParameters(url: string): void {
  let parameters: URLSearchParams;
  try {
    parameters = new URL(url).searchParams;
  } catch {
    // pg's own parser says what is wrong with it.
    return;
  }
  if (parameters.has('max')) {
    throw new Error(`the database URL ${redactedUrl(url)} sets max, which the PostgreSQL driver does not read for its pool; remove it and set SMOOTH_DATABASE_POOL_SIZE (or --database-pool-size) instead`);
  }
}

/** Connects to the PostgreSQL database at `url` and brings its schema up to date. */
export async function openPostgres(url: string, options: PostgresPoolOptions = {}): Promise<PostgresPool> {
  refusePoolParameters(url);
  const pool = new pg.Pool({
    connectionString: url,
    types: bigintAsNumber,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: connectionTimeoutMs,
    query_timeout: queryTimeoutMs,
    // A peer that vanished without closing (a machine gone) is noticed on idle connections too.
    keepAlive: true,
    ...(options.applicationName ? { fallback_application_name: options.applicationName.slice(0, 63) } : {}),
  });
  // An idle connection that breaks (a database restart) is reported here; without a listener it would end the process.
  pool.on('error', (error) => serverLogger.warn({ err: error }, 'a PostgreSQL connection failed'));
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw new Error(`could not open the PostgreSQL database at ${redactedUrl(url)}: ${errorMessage(error)}`);
  }
  return pool;
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * PostgreSQL text cannot hold the NUL character (SQLite can), and a request may carry one in an id
 * or a name. It becomes U+FFFD: a lookup then finds nothing (a 404, not a 500), a stored name keeps
 * the rest. (JSON columns are unaffected: JSON.stringify writes NUL as the escape \u0000.)
 */
export function withoutNul(values: readonly unknown[]): unknown[] {
  return values.map((value) => (typeof value === 'string' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value));
}

/** Something that runs parameterised SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/** Runs a statement with its text parameters made storable (see withoutNul). */
export async function runQuery<Row extends pg.QueryResultRow = pg.QueryResultRow>(on: Queryable, sql: string, values: readonly unknown[] = []): Promise<pg.QueryResult<Row>> {
  try {
    return await on.query<Row>(sql, withoutNul(values));
  } catch (error) {
    throw asDatabaseError(error);
  }
}

/** Runs `work` in one transaction on one connection. */
export async function inTransaction<T>(pool: PostgresPool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw asDatabaseError(error);
  });
  let broken = false;
  try {
    await runQuery(client, 'BEGIN');
    const result = await work(client);
    await runQuery(client, 'COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back (the database went, a statement timed out) is not handed out again.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}
