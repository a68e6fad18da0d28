import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { findElementIndex, startPostgresServer, startRedisServer, startScriptedModelServer, type PostgresServer, type RedisServer, type ScriptedModelServer } from '@open-smooth/testkit';
import pg from 'pg';
import { startServer, type RunningServer } from '../src/index.js';
import { startCountingProxy, type CountingProxy } from './support/counting-proxy.js';
import { makeTestCertificates, removeTestCertificates, startMtlsSite, type MtlsSite, type TestCertificates } from './support/mtls-site.js';
import { startSpawnedServer, type SpawnedServer } from './support/spawned-server.js';
import { storedDatabaseContents } from './support/test-database.js';
import { makeTemporaryDirectory } from './support/test-server.js';

/**
 * A task created by an API process and run by a worker in another OS process: its settings (proxy
 * password, client certificate, secrets) reach the worker only through the shared PostgreSQL,
 * sealed; the profile writer's lock holds across API processes.
 */
const apiKey = 'sk_test_spawned';
const secretKey = randomBytes(32).toString('base64');
const secret = 'tok3n with space&more';
const proxyPassword = 'proxy-pw-58c1e2';

let postgres: PostgresServer;
let redis: RedisServer;
let databaseUrl: string;
let blobDirectory: string;
let certificates: TestCertificates;
let mtlsSite: MtlsSite;
let searchSite: { url: string; received: string[]; close(): Promise<void> };
let guardedProxy: CountingProxy;
let model: ScriptedModelServer;
const apis: RunningServer[] = [];
let worker: SpawnedServer | undefined;
const directories: string[] = [];

async function temporaryDirectory(): Promise<string> {
  const directory = await makeTemporaryDirectory();
  directories.push(directory);
  return directory;
}

/** A search form (GET) whose results page records what was searched for. */
async function startSearchSite(): Promise<typeof searchSite> {
  const received: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (url.pathname === '/search') {
      received.push(url.searchParams.get('q') ?? '');
      response.end('<!doctype html><title>Results</title><p>Searched.</p>');
      return;
    }
    response.end('<!doctype html><title>Search</title><form action="/search" method="get"><label>Token <input name="q"></label><button>Search</button></form>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

before(async () => {
  [postgres, redis, certificates, searchSite] = await Promise.all([startPostgresServer(), startRedisServer(), makeTestCertificates(), startSearchSite()]);
  [mtlsSite, guardedProxy] = await Promise.all([startMtlsSite(certificates), startCountingProxy({ username: 'tester', password: proxyPassword })]);
  model = await startScriptedModelServer((request) => {
    const observation = request.lastUserText;
    const token = findElementIndex(observation, { role: 'textbox', name: 'Token' });
    if (/^url: .*\/$/m.test(observation) && token !== undefined) return { toolCalls: [{ name: 'type', arguments: { index: token, text: '<secret:token>', submit: true } }] };
    return { toolCalls: [{ name: 'done', arguments: { answer: 'searched' } }] };
  });
  databaseUrl = await postgres.createDatabase();
  blobDirectory = await temporaryDirectory();
  for (let number = 0; number < 2; number += 1) {
    apis.push(await startServer({ role: 'api', apiKeys: [apiKey], databaseUrl, redisUrl: redis.url, secretKey, blobUrl: pathToFileURL(blobDirectory).href, dataDirectory: await temporaryDirectory(), longPollMs: 2000 }));
  }
});

after(async () => {
  await worker?.close();
  for (const api of apis) await api.close();
  await Promise.all([postgres?.stop(), redis?.stop(), mtlsSite?.close(), searchSite?.close(), guardedProxy?.close(), model?.close()]);
  if (certificates) await removeTestCertificates(certificates);
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

/** The worker: another OS process, sharing only PostgreSQL, Redis, the blob folder and the secret key. */
async function startWorker(): Promise<SpawnedServer> {
  worker ??= await startSpawnedServer({
    ...model.environment(),
    SMOOTH_ROLE: 'worker',
    SMOOTH_DATABASE_URL: databaseUrl,
    SMOOTH_REDIS_URL: redis.url,
    SMOOTH_SECRET_KEY: secretKey,
    SMOOTH_BLOB_URL: pathToFileURL(blobDirectory).href,
    TEST_DATA_DIR: await temporaryDirectory(),
    TEST_ALLOW_PRIVATE_NETWORK: JSON.stringify(['127.0.0.0/8']),
    // The mTLS site's CA, trusted the documented way (NODE_EXTRA_CA_CERTS: read at process start).
    NODE_EXTRA_CA_CERTS: certificates.caPemPath,
    TEST_CHROMIUM_ARGS: JSON.stringify([`--ignore-certificate-errors-spki-list=${certificates.serverSpkiHash}`]),
  });
  return worker;
}

async function api(server: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.apiBaseUrl}v1${path}`, {
    method,
    headers: { apikey: apiKey, 'x-open-smooth-handlers-first': '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Polls from the last event seen until `until` holds or the task has ended; returns the events and status. */
async function pollUntil(server: RunningServer, taskId: string, until: (events: any[]) => boolean): Promise<{ events: any[]; status: string; task: any }> {
  const events: any[] = [];
  let eventT = 0;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await api(server, 'GET', `/task/${taskId}?event_t=${eventT}`);
    assert.ok(answer.status === 200 || answer.status === 202, JSON.stringify(answer.body));
    const fresh: any[] = answer.body.r.events ?? [];
    events.push(...fresh.filter((event) => event.id !== null));
    eventT = fresh.at(-1)?.timestamp ?? eventT;
    const status: string = answer.body.r.status;
    if (until(events) || ['done', 'failed', 'cancelled'].includes(status)) return { events, status, task: answer.body.r };
    if (Date.now() > deadline) throw new Error(`gave up polling ${taskId}: ${JSON.stringify(answer.body)}`);
  }
}

async function command(server: RunningServer, taskId: string, name: 'browser_action' | 'session_action', action: string, input: unknown): Promise<any> {
  const id = `command-${randomBytes(4).toString('hex')}`;
  const sent = await api(server, 'POST', `/task/${taskId}/event`, { id, name, payload: { name: action, input } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const { events } = await pollUntil(server, taskId, (collected) => collected.some((event) => event.id === id));
  return events.find((event) => event.id === id)?.payload;
}

async function storedLaunches(): Promise<Array<{ task_id: string; sealed_settings: string }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ task_id: string; sealed_settings: string }>('SELECT task_id, sealed_settings FROM task_launches ORDER BY task_id')).rows;
  } finally {
    await client.end();
  }
}

/** What must never be in the database in clear. */
function clearSecretsIn(text: string): string[] {
  const p12Base64 = certificates.clientP12.toString('base64');
  const needles = { secret, proxyPassword, p12Password: certificates.p12Password, p12Bytes: p12Base64.slice(100, 164) };
  return Object.entries(needles)
    .filter(([, needle]) => text.includes(needle))
    .map(([name]) => name);
}

test('an api process creates tasks with a proxy password, a client certificate and secrets; a worker in another process runs them with all three, and the database never holds them in clear', async () => {
  const [apiOne, apiTwo] = apis as [RunningServer, RunningServer];
  // No worker yet: the tasks wait, their launches stored.
  const searched = await api(apiOne, 'POST', '/task', {
    task: 'Search for the token',
    url: `${searchSite.url}/`,
    max_steps: 6,
    secrets: { token: secret },
    proxy_server: guardedProxy.address,
    proxy_username: 'tester',
    proxy_password: proxyPassword,
  });
  assert.equal(searched.status, 200, JSON.stringify(searched.body));
  const members = await api(apiOne, 'POST', '/task', { task: null, url: `${mtlsSite.origin}/members`, certificates: [{ file: certificates.clientP12.toString('base64'), password: certificates.p12Password }] });
  assert.equal(members.status, 200, JSON.stringify(members.body));
  const ids = [searched.body.r.id as string, members.body.r.id as string];
  for (const id of ids) assert.equal((await api(apiTwo, 'GET', `/task/${id}`)).body.r.status, 'waiting', 'the other api process reads it waiting');
  assert.deepEqual((await storedLaunches()).map((launch) => launch.task_id), [...ids].sort());
  for (const launch of await storedLaunches()) assert.match(launch.sealed_settings, /^sealed:v1:/);
  for (const { name, text } of await storedDatabaseContents({ dataDirectory: '', databaseUrl })) assert.deepEqual(clearSecretsIn(text), [], `${name} while the tasks wait`);

  await startWorker();
  const { status, task } = await pollUntil(apiTwo, ids[0]!, () => false);
  assert.equal(status, 'done', JSON.stringify(task));
  // The site got the secret the agent typed, through the proxy that wants the password.
  assert.deepEqual(searchSite.received, [secret]);
  assert.ok(
    guardedProxy.forwarded.some((entry) => entry.startsWith(`GET ${searchSite.url}/search?q=`)),
    `the search went through the guarded proxy (${guardedProxy.forwarded.join(', ')})`,
  );

  // The certificate opened the mTLS site in the worker's browser.
  const greeting = await command(apiTwo, ids[1]!, 'browser_action', 'evaluate_js', { js: "document.getElementById('who')?.textContent ?? document.body.innerText" });
  assert.equal(greeting.code, 200, JSON.stringify(greeting));
  assert.equal(greeting.output.output, `Hello ${certificates.clientCommonName}`);
  assert.ok(mtlsSite.subjects.includes(certificates.clientCommonName), `the site saw the certificate (${mtlsSite.subjects.join(', ')})`);
  const closed = await command(apiOne, ids[1]!, 'session_action', 'close', {});
  assert.equal(closed.code, 200);
  assert.equal((await pollUntil(apiOne, ids[1]!, () => false)).status, 'done');

  // Taken when they started: nothing of them is left, and nothing ever was in clear.
  assert.deepEqual(await storedLaunches(), []);
  for (const { name, text } of await storedDatabaseContents({ dataDirectory: '', databaseUrl })) assert.deepEqual(clearSecretsIn(text), [], `${name} after the tasks ran`);
});

test("one writer per profile across api processes: a second writer through the other api process is 409 naming the first, until the worker stores the first's end", async () => {
  const [apiOne, apiTwo] = apis as [RunningServer, RunningServer];
  await startWorker();
  assert.equal((await api(apiOne, 'POST', '/profile', { id: 'shared-work' })).status, 200);
  const first = await api(apiOne, 'POST', '/task', { task: null, profile_id: 'shared-work' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const writer = first.body.r.id as string;

  const second = await api(apiTwo, 'POST', '/task', { task: null, profile_id: 'shared-work' });
  assert.equal(second.status, 409, JSON.stringify(second.body));
  assert.match(second.body.detail, new RegExp(`profile shared-work is in use by ${writer}, which saves it back when it ends`));
  const deleting = await api(apiTwo, 'DELETE', '/profile/shared-work');
  assert.equal(deleting.status, 409, JSON.stringify(deleting.body));
  assert.match(deleting.body.detail, new RegExp(`in use by ${writer}`));
  const reader = await api(apiTwo, 'POST', '/task', { task: null, profile_id: 'shared-work', profile_read_only: true });
  assert.equal(reader.status, 200, 'a read-only user is not held up');

  // The worker stores the writer's end (closed through the other api process): the lock goes with it.
  assert.equal((await command(apiTwo, writer, 'session_action', 'close', {})).code, 200);
  assert.equal((await pollUntil(apiTwo, writer, () => false)).status, 'done');
  const next = await api(apiTwo, 'POST', '/task', { task: null, profile_id: 'shared-work' });
  assert.equal(next.status, 200, JSON.stringify(next.body));
  // Two writers at the same moment through the two api processes: the database lets exactly one in.
  assert.equal((await api(apiOne, 'POST', '/profile', { id: 'raced' })).status, 200);
  const raced = await Promise.all([apiOne, apiTwo].map((server) => api(server, 'POST', '/task', { task: null, profile_id: 'raced' })));
  assert.deepEqual(raced.map((answer) => answer.status).sort(), [200, 409], JSON.stringify(raced.map((answer) => answer.body)));
  const racedWinner = raced.find((answer) => answer.status === 200)?.body.r.id as string;
  for (const id of [reader.body.r.id as string, next.body.r.id as string, racedWinner]) {
    assert.equal((await command(apiOne, id, 'session_action', 'close', {})).code, 200);
    assert.equal((await pollUntil(apiOne, id, () => false)).status, 'done');
  }
});
