import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { startPostgresServer, startRedisServer, type PostgresServer, type RedisServer } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RedisFinishGate } from '../src/scale/redis-finish-gate.js';
import { errorAnswerDelays } from '../src/tasks/error-answer-delay.js';
import { makeTemporaryDirectory, startTestServer, type TestServer } from './support/test-server.js';

/**
 * Two API processes and a worker on one PostgreSQL and one Redis, with a client that alternates its
 * polls between the API processes as a load balancer would send them, polling as the official
 * client does (no handlers-first header): the worker ends the task and appends the answers, so the
 * finish gate and the withheld error answers must be the same whichever API process answers.
 */
let postgres: PostgresServer;
let redis: RedisServer;
let database: pg.Pool;
let redisClient: Redis;
let worker: TestServer;
let apiA: TestServer;
let apiB: TestServer;
let blobDirectory: string;
const redisPrefix = `gates-${randomBytes(4).toString('hex')}`;

before(async () => {
  [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
  blobDirectory = await makeTemporaryDirectory();
  const databaseUrl = await postgres.createDatabase();
  const shared = {
    databaseUrl,
    redisUrl: redis.url,
    redisPrefix,
    blobUrl: pathToFileURL(blobDirectory).href,
    secretKey: randomBytes(32).toString('base64'),
    // Long enough that a loaded machine never lets a hold run out before the test has read it.
    finishGraceMs: 30_000,
    longPollMs: 20_000,
    sessionIdleTimeoutMs: 120_000,
  };
  worker = await startTestServer({ ...shared, role: 'worker' });
  [apiA, apiB] = [await startTestServer({ ...shared, role: 'api' }), await startTestServer({ ...shared, role: 'api' })];
  database = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  redisClient = new Redis(redis.url);
});

after(async () => {
  for (const server of [apiA, apiB, worker]) await server?.close();
  await database?.end();
  redisClient?.disconnect();
  await Promise.all([postgres?.stop(), redis?.stop()]);
  if (blobDirectory) await rm(blobDirectory, { recursive: true, force: true });
});

/** A poll as the official client makes it: no handlers-first header. */
async function poll(server: TestServer, taskId: string, eventT: number): Promise<{ status: number; task: any }> {
  const answer = await server.api('GET', `/task/${taskId}?event_t=${eventT}`, { handlersFirst: false });
  assert.ok(answer.status === 200 || answer.status === 202, `poll failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { status: answer.status, task: answer.body.r };
}

async function post(server: TestServer, taskId: string, id: string, name: 'browser_action' | 'session_action', action: string, input: unknown = {}): Promise<void> {
  const sent = await server.api('POST', `/task/${taskId}/event`, { body: { id, name, payload: { name: action, input } }, handlersFirst: false });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
}

/** Polls from `eventT`, alternating between the API processes, until the event `id` comes; returns it. */
async function pollUntilEvent(taskId: string, eventT: number, id: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (let turn = 0; Date.now() < deadline; turn += 1) {
    const { task } = await poll(turn % 2 === 0 ? apiA : apiB, taskId, eventT);
    assert.equal(task.status, 'running');
    const found = task.events.find((event: any) => event.id === id);
    if (found) return found;
  }
  throw new Error(`no event ${id} within a minute`);
}

async function storedStatus(taskId: string): Promise<string | undefined> {
  const result = await database.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [taskId]);
  return result.rows[0]?.status;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * An error answer: a poll begun before the POST (like the official client's connect GET) through one
 * API process is held, then answered without it at the release; the next poll, begun after that
 * through the other API process, gets it once the client's stagger is surely over.
 */
async function errorRound(taskId: string, cursor: number, id: string, connectThrough: TestServer, postThrough: TestServer, laterThrough: TestServer): Promise<number> {
  const posted = Date.now();
  const connectPoll = poll(connectThrough, taskId, cursor);
  await post(postThrough, taskId, id, 'browser_action', 'evaluate_js', { js: 'throw new Error("thrown on purpose")' });
  const ours = await postThrough.api('GET', `/task/${taskId}?event_t=${cursor}`);
  assert.deepEqual(ours.body.r.events.map((event: any) => [event.id, event.payload.code]), [[id, 400]], 'a handlers-first client sees it at once');
  const connectAnswer = await connectPoll;
  const releasedAt = Date.now();
  assert.deepEqual(connectAnswer.task.events, [{ id: null, name: 'heartbeat', payload: { status: 'running' }, timestamp: cursor }]);
  assert.ok(releasedAt - posted >= errorAnswerDelays.connectMs - 50, `released ${releasedAt - posted} ms after the post`);
  const later = await poll(laterThrough, taskId, cursor);
  const shownAt = Date.now();
  assert.deepEqual(later.task.events.map((event: any) => [event.id, event.payload.code]), [[id, 400]]);
  assert.match(later.task.events[0].payload.output, /thrown on purpose/);
  assert.ok(shownAt - releasedAt >= errorAnswerDelays.handlerMs - 100, `shown ${shownAt - releasedAt} ms after the release`);
  return later.task.events[0].timestamp;
}

test('polls alternating between two API processes: error answers withheld alike by both, and the last answer delivered before the task reads done', async () => {
  const created = await apiA.api('POST', '/task', { body: { task: null }, handlersFirst: false });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId: string = created.body.r.id;

  // The first poll of a fresh task answers at once, whichever API process takes it.
  const first = await poll(apiB, taskId, 0);
  const [heartbeat] = first.task.events;
  assert.equal(heartbeat.name, 'heartbeat');
  let cursor: number = heartbeat.timestamp;

  // A success answer reaches a poll through either process as soon as the worker appended it.
  await post(apiA, taskId, 'ok-1', 'browser_action', 'evaluate_js', { js: '6 * 7' });
  const success = await pollUntilEvent(taskId, cursor, 'ok-1');
  assert.deepEqual([success.payload.code, success.payload.output.output], [200, 42]);
  cursor = success.timestamp;

  cursor = await errorRound(taskId, cursor, 'bad-1', apiB, apiA, apiA);
  cursor = await errorRound(taskId, cursor, 'bad-2', apiA, apiB, apiB);

  // Closing: once the worker stored `done` and held the task, both API processes read it running
  // until one of them delivered the close answer; then both read done.
  await post(apiA, taskId, 'close-1', 'session_action', 'close');
  await until(async () => (await storedStatus(taskId)) === 'done', 'the worker to store the final status');
  const gate = new RedisFinishGate(redisClient, redisPrefix);
  await until(() => gate.inGracePeriod(taskId), 'the worker to set the finish gate');
  for (const server of [apiA, apiB]) assert.equal((await server.api('GET', `/task/${taskId}`, { handlersFirst: false })).body.r.status, 'running');
  const carrying = await poll(apiB, taskId, cursor);
  assert.deepEqual([carrying.status, carrying.task.status], [202, 'running']);
  const closeAnswer = carrying.task.events.find((event: any) => event.id === 'close-1');
  assert.deepEqual([closeAnswer?.payload.code, closeAnswer?.payload.output.output], [200, true]);
  cursor = carrying.task.events.at(-1).timestamp;
  for (const server of [apiA, apiB]) assert.equal((await server.api('GET', `/task/${taskId}`, { handlersFirst: false })).body.r.status, 'done');
  const finished = await poll(apiA, taskId, cursor);
  assert.deepEqual([finished.status, finished.task.status, finished.task.events], [200, 'done', []]);
});

test('a client polling alternately through both API processes while a session closes reads the close answer while the task still runs, then done', async () => {
  const created = await apiB.api('POST', '/task', { body: { task: null }, handlersFirst: false });
  const taskId: string = created.body.r.id;
  let cursor: number = (await poll(apiA, taskId, 0)).task.events[0].timestamp;
  await post(apiB, taskId, 'ready', 'browser_action', 'evaluate_js', { js: '1' });
  cursor = (await pollUntilEvent(taskId, cursor, 'ready')).timestamp;

  await post(apiA, taskId, 'close-2', 'session_action', 'close');
  const seen: { id: string; status: string }[] = [];
  let finalStatus = 'running';
  for (let turn = 0; finalStatus === 'running'; turn += 1) {
    assert.ok(turn < 200, `no final status after ${turn} polls: ${JSON.stringify(seen)}`);
    const { task } = await poll(turn % 2 === 0 ? apiB : apiA, taskId, cursor);
    for (const event of task.events) {
      if (event.id !== null) seen.push({ id: event.id, status: task.status });
      cursor = Math.max(cursor, event.timestamp);
    }
    // The official client stops reading events once it sees a finished status.
    if (task.status !== 'running') assert.deepEqual(task.events, [], 'a finished status comes with no events');
    finalStatus = task.status;
  }
  assert.equal(finalStatus, 'done');
  assert.deepEqual(seen, [{ id: 'close-2', status: 'running' }]);
});
