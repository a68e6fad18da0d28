import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';
import Database from 'better-sqlite3';
import pg from 'pg';
import { stopAfterServers } from './suite-cleanup.js';
import { testTopology } from './test-topology.js';

/**
 * SMOOTH_TEST_DATABASE=postgres runs the API tests against PostgreSQL: one throwaway cluster per
 * test file (process), an empty database per server started. Unset: the embedded SQLite (the
 * distributed topology always shares PostgreSQL).
 */
export const testDatabase = process.env.SMOOTH_TEST_DATABASE === 'postgres' || testTopology === 'distributed' ? 'postgres' : 'sqlite';

let cluster: Promise<PostgresServer> | undefined;

stopAfterServers(async () => {
  await (await cluster)?.stop();
});

/** The cluster of this test process, started on first use and stopped after all its tests. */
export function testPostgresCluster(): Promise<PostgresServer> {
  cluster ??= startPostgresServer();
  return cluster;
}

/** A fresh database's URL in PostgreSQL mode; undefined (SQLite in the data directory) otherwise. */
export async function testDatabaseUrl(): Promise<string | undefined> {
  if (testDatabase !== 'postgres') return undefined;
  return (await testPostgresCluster()).createDatabase();
}

/**
 * Everything the server's database holds, as text, for tests that check what a database reader
 * could see: SQLite's file, WAL and shared memory as bytes; PostgreSQL's tables row by row.
 */
export async function storedDatabaseContents(server: { dataDirectory: string; databaseUrl: string | undefined }): Promise<Array<{ name: string; text: string }>> {
  if (server.databaseUrl === undefined) {
    const path = join(server.dataDirectory, 'open-smooth.sqlite');
    return Promise.all(
      ['', '-wal', '-shm'].map(async (suffix) => ({ name: `open-smooth.sqlite${suffix}`, text: (await readFile(`${path}${suffix}`).catch(() => Buffer.alloc(0))).toString('latin1') })),
    );
  }
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    const contents: Array<{ name: string; text: string }> = [];
    for (const { tablename } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${tablename}" t`);
      contents.push({ name: `table ${tablename}`, text: rows.rows.map((row) => row.row).join('\n') });
    }
    return contents;
  } finally {
    await client.end();
  }
}

/** A task's stored creation and end times in milliseconds (the wire has whole seconds only). */
export async function storedTaskTimes(server: { dataDirectory: string; databaseUrl: string | undefined }, taskId: string): Promise<{ createdAtMs: number; finishedAtMs: number | null }> {
  const sql = 'SELECT created_at_ms, finished_at_ms FROM tasks WHERE id = ';
  let row: { created_at_ms: number | string; finished_at_ms: number | string | null } | undefined;
  if (server.databaseUrl === undefined) {
    const database = new Database(join(server.dataDirectory, 'open-smooth.sqlite'), { readonly: true });
    try {
      row = database.prepare(`${sql}?`).get(taskId) as typeof row;
    } finally {
      database.close();
    }
  } else {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      row = (await client.query<NonNullable<typeof row>>(`${sql}$1`, [taskId])).rows[0];
    } finally {
      await client.end();
    }
  }
  if (!row) throw new Error(`no stored task ${taskId}`);
  return { createdAtMs: Number(row.created_at_ms), finishedAtMs: row.finished_at_ms === null ? null : Number(row.finished_at_ms) };
}
