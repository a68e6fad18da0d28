import { after } from 'node:test';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';

/**
 * SMOOTH_TEST_DATABASE=postgres runs the API tests against PostgreSQL: one throwaway cluster per
 * test file (process), an empty database per server started. Unset: the embedded SQLite.
 */
export const testDatabase = process.env.SMOOTH_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

let cluster: Promise<PostgresServer> | undefined;

/** The cluster of this test process, started on first use and stopped after its tests. */
export function testPostgresCluster(): Promise<PostgresServer> {
  if (!cluster) {
    cluster = startPostgresServer();
    after(async () => {
      await (await cluster)?.stop();
    });
  }
  return cluster;
}

/** A fresh database's URL in PostgreSQL mode; undefined (SQLite in the data directory) otherwise. */
export async function testDatabaseUrl(): Promise<string | undefined> {
  if (testDatabase !== 'postgres') return undefined;
  return (await testPostgresCluster()).createDatabase();
}
