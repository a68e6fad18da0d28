import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { startPostgresServer, startRedisServer, type PostgresServer, type RedisServer } from '@open-smooth/testkit';
import { InvalidServerRoleError, startServer, type RunningServer } from '../src/index.js';
import { loopbackNetworkAllowance, makeTemporaryDirectory } from './support/test-server.js';

// The roles of a deployment: what each refuses to start without, and what each says it needs to be ready.
let postgres: PostgresServer;
let redis: RedisServer;
const directories: string[] = [];
const secretKey = randomBytes(32).toString('base64');

before(async () => {
  [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
});

after(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function temporaryDirectory(): Promise<string> {
  const directory = await makeTemporaryDirectory();
  directories.push(directory);
  return directory;
}

test('api and worker roles refuse to start without a shared database, Redis and blob store, and say which is missing', async () => {
  const dataDirectory = await temporaryDirectory();
  await assert.rejects(startServer({ role: 'api', dataDirectory, apiKeys: ['sk_roles'] }), (error: unknown) => {
    assert.ok(error instanceof InvalidServerRoleError);
    assert.match(error.message, /role api .*PostgreSQL database \(SMOOTH_DATABASE_URL or --database-url\); Redis \(SMOOTH_REDIS_URL or --redis-url\); one secret key for sealed secrets \(SMOOTH_SECRET_KEY: .*\); a blob store every process reaches/);
    return true;
  });
  const databaseUrl = await postgres.createDatabase();
  await assert.rejects(startServer({ role: 'worker', dataDirectory, apiKeys: ['sk_roles'], databaseUrl, redisUrl: redis.url, secretKey }), /role worker .*needs what they share: a blob store every process reaches \(SMOOTH_BLOB_URL or --blob-url/);
  await assert.rejects(startServer({ role: 'everything' as never, dataDirectory }), /the server role is one of all, api, worker, not "everything"/);
});

test('an api process is ready without a browser; a worker process also needs its browser; both answer the API', async () => {
  const databaseUrl = await postgres.createDatabase();
  const blobUrl = pathToFileURL(await temporaryDirectory()).href;
  const shared = { databaseUrl, redisUrl: redis.url, redisPrefix: 'roles-test', blobUrl, apiKeys: ['sk_roles'], secretKey };
  const servers: RunningServer[] = [];
  try {
    const api = await startServer({ ...shared, role: 'api', dataDirectory: await temporaryDirectory() });
    servers.push(api);
    const worker = await startServer({ ...shared, role: 'worker', dataDirectory: await temporaryDirectory(), allowPrivateNetwork: loopbackNetworkAllowance });
    servers.push(worker);
    assert.deepEqual([api.role, worker.role], ['api', 'worker']);

    const [apiChecks, workerChecks] = await Promise.all([readyChecks(api), readyChecks(worker)]);
    assert.match(apiChecks[1] ?? '', /^blob store \(/);
    assert.deepEqual(apiChecks, ['database', apiChecks[1], 'redis']);
    assert.deepEqual(workerChecks, ['database', apiChecks[1], 'redis', 'browser']);

    // Both processes read the one database: a profile made through one is listed by the other.
    const made = await fetch(`${api.apiBaseUrl}v1/profile`, { method: 'POST', headers: { apikey: 'sk_roles', 'content-type': 'application/json' }, body: JSON.stringify({ id: 'shared-profile' }) });
    assert.equal(made.status, 200, await made.clone().text());
    const listed = (await (await fetch(`${worker.apiBaseUrl}v1/profile`, { headers: { apikey: 'sk_roles' } })).json()) as any;
    assert.ok(JSON.stringify(listed).includes('shared-profile'), JSON.stringify(listed));
  } finally {
    for (const server of servers.reverse()) await server.close();
  }
});

async function readyChecks(server: RunningServer): Promise<string[]> {
  const answer = await fetch(`${server.url}/readyz`);
  assert.equal(answer.status, 200, await answer.clone().text());
  return ((await answer.json()) as any).r.checks;
}
