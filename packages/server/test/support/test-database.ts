import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';
import pg from 'pg';

/**
 * SMOOTH_TEST_DATABASE=postgres runs the API tests against PostgreSQL: one throwaway cluster per
 * test file (process), an empty database per server started. Unset: the embedded SQLite.
 */
export const testDatabase = process.env.SMOOTH_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

let cluster: Promise<PostgresServer> | undefined;

// Registered at load time, so that it belongs to the file's root (inside a test it would run after that test).
if (testDatabase === 'postgres') {
  after(async () => {
    await (await cluster)?.stop();
  });
}

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
