import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';
import { InvalidDatabasePoolSizeError, startServer, type RunningServer } from '../src/index.js';
import { apiDatabasePoolSize, resolveDatabasePoolSize, workerDatabasePoolSize } from '../src/store/database-pool-size.js';
import { databaseApplicationName } from '../src/start-server.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

// How many PostgreSQL connections a process may open: the option or SMOOTH_DATABASE_POOL_SIZE, else a default per role.
let postgres: PostgresServer;
const directories: string[] = [];
const apiKey = 'sk_pool_size';

before(async () => {
  postgres = await startPostgresServer();
});

after(async () => {
  await postgres?.stop();
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function temporaryDirectory(): Promise<string> {
  const directory = await makeTemporaryDirectory();
  directories.push(directory);
  return directory;
}

/** The connections PostgreSQL itself lists for the server's application name. */
async function connectionsSeenByDatabase(databaseUrl: string, server: RunningServer, workerId: string): Promise<number> {
  const rows = await postgres.query<{ count: number }>(databaseUrl, 'SELECT COUNT(*)::int AS count FROM pg_stat_activity WHERE application_name = $1', [databaseApplicationName(server.role, workerId)]);
  return rows[0]?.count ?? 0;
}

/** Many reads at once (each GET runs its SELECTs): the pool opens all the connections it may. */
async function burstOfReads(server: RunningServer, taskId: string): Promise<void> {
  const responses = await Promise.all(Array.from({ length: 40 }, () => fetch(`${server.apiBaseUrl}v1/task/${taskId}`, { headers: { apikey: apiKey } })));
  for (const response of responses) assert.equal(response.status, 404, await response.text());
}

async function metricTotal(server: RunningServer): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = /^open_smooth_database_connections\{state="total"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

test('the pool size reaches the pool: under a burst of requests PostgreSQL sees exactly that many connections of the process, never more', async () => {
  for (const [size, workerId] of [[3, 'pool-three'], [6, 'pool-six']] as const) {
    const databaseUrl = await postgres.createDatabase();
    const server = await startServer({ databaseUrl, databasePoolSize: size, workerId, dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] });
    try {
      let most = 0;
      await waitFor(
        async () => {
          await burstOfReads(server, 'no-such-task');
          most = Math.max(most, await connectionsSeenByDatabase(databaseUrl, server, workerId));
          return most;
        },
        (seen) => seen >= size,
        `the pool of ${size} to open all its connections`,
      );
      assert.equal(most, size, `PostgreSQL saw ${most} connections of a pool of ${size}`);
      assert.equal(await metricTotal(server), size);
    } finally {
      await server.close();
    }
  }
});

test('SMOOTH_DATABASE_POOL_SIZE sizes the pool when the option is absent; bad values are refused at start, saying what is accepted', async () => {
  const databaseUrl = await postgres.createDatabase();
  const saved = process.env.SMOOTH_DATABASE_POOL_SIZE;
  try {
    process.env.SMOOTH_DATABASE_POOL_SIZE = '2';
    const server = await startServer({ databaseUrl, workerId: 'pool-env', dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] });
    try {
      let most = 0;
      await waitFor(
        async () => {
          await burstOfReads(server, 'no-such-task');
          most = Math.max(most, await connectionsSeenByDatabase(databaseUrl, server, 'pool-env'));
          return most;
        },
        (seen) => seen >= 2,
        'the pool of 2 to open both its connections',
      );
      assert.equal(most, 2);
    } finally {
      await server.close();
    }
    for (const bad of ['0', 'ten', '2.5', '5000']) {
      process.env.SMOOTH_DATABASE_POOL_SIZE = bad;
      await assert.rejects(startServer({ databaseUrl, dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] }), (error: unknown) => {
        assert.ok(error instanceof InvalidDatabasePoolSizeError);
        assert.equal(error.message, `SMOOTH_DATABASE_POOL_SIZE must be a whole number of connections from 1 to 1000, not "${bad}"`);
        return true;
      });
    }
    delete process.env.SMOOTH_DATABASE_POOL_SIZE;
    await assert.rejects(startServer({ databaseUrl, databasePoolSize: 0, dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] }), /the databasePoolSize option must be a whole number of connections from 1 to 1000, not "0"/);
    // SQLite has no pool: the setting would do nothing, so it is refused rather than ignored.
    await assert.rejects(startServer({ databasePoolSize: 4, dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] }), /the databasePoolSize option sizes the PostgreSQL connection pool, and no PostgreSQL database is configured/);
    // pg would read ?max= as a connection setting and ignore it for the pool.
    await assert.rejects(startServer({ databaseUrl: `${databaseUrl}?max=4`, dataDirectory: await temporaryDirectory(), apiKeys: [apiKey] }), /sets max, which the PostgreSQL driver does not read for its pool; remove it and set SMOOTH_DATABASE_POOL_SIZE/);
  } finally {
    if (saved === undefined) delete process.env.SMOOTH_DATABASE_POOL_SIZE;
    else process.env.SMOOTH_DATABASE_POOL_SIZE = saved;
  }
});

test('defaults: api and all keep 10; a worker gets half its slots plus one, at least 2 and at most 10', () => {
  const url = 'postgres://127.0.0.1/x';
  assert.equal(resolveDatabasePoolSize(undefined, {}, 'api', 8, url), apiDatabasePoolSize);
  assert.equal(resolveDatabasePoolSize(undefined, {}, 'all', 8, url), 10);
  assert.deepEqual([1, 2, 4, 8, 16, 64].map((slots) => resolveDatabasePoolSize(undefined, {}, 'worker', slots, url)), [2, 2, 3, 5, 9, 10]);
  assert.equal(workerDatabasePoolSize(8), 5);
  assert.equal(resolveDatabasePoolSize(undefined, { SMOOTH_DATABASE_POOL_SIZE: ' 7 ' }, 'worker', 8, url), 7);
  assert.equal(resolveDatabasePoolSize(12, { SMOOTH_DATABASE_POOL_SIZE: '7' }, 'worker', 8, url), 12);
});
