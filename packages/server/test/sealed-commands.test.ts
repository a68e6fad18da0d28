import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedisServer, type RedisServer } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import type { TaskMessage } from '../src/scale/command-bus.js';
import { RedisCommandBus } from '../src/scale/redis-command-bus.js';
import { SecretSealer } from '../src/store/secret-sealer.js';

// A run_task command posted while its task waits stays in Redis until a worker takes the task:
// its secrets are sealed there, and only a process with the deployment's key opens them.
let redis: RedisServer;
const connections: Redis[] = [];
const buses: RedisCommandBus[] = [];

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  for (const bus of buses) await bus.close();
  for (const connection of connections) connection.disconnect();
  await redis?.stop();
});

async function bus(prefix: string, sealer: SecretSealer): Promise<RedisCommandBus> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  connections.push(connection);
  const opened = await RedisCommandBus.connect(connection, { prefix, sealer, replyTimeoutMs: 5_000 });
  buses.push(opened);
  return opened;
}

const sealerWithNewKey = () => SecretSealer.fromBase64Key(randomBytes(32).toString('base64'), 'a test key');

function runTask(secret: string): TaskMessage {
  return {
    kind: 'command',
    command: { id: 'run-1', eventName: 'session_action', action: 'run_task', run: { task: 'Log in', maxSteps: 5, agentTier: 'smooth', secrets: [{ name: 'password', value: secret }] } },
  };
}

test("a command waiting in Redis for its task's worker holds its secrets sealed; the worker with the same key gets it whole", async () => {
  const prefix = `sealed-${randomBytes(4).toString('hex')}`;
  const sealer = sealerWithNewKey();
  const [api, worker] = [await bus(prefix, sealer), await bus(prefix, sealer)];
  const secret = 'hunter2-in-redis';
  assert.deepEqual(await api.send('task_waiting', runTask(secret)), { accepted: true, deferred: true });

  const inspector = new Redis(redis.url);
  connections.push(inspector);
  const kept = await inspector.lrange(`${prefix}:mailbox:task_waiting`, 0, -1);
  assert.equal(kept.length, 1);
  assert.equal(kept.join('\n').includes(secret), false, kept.join('\n'));
  assert.equal(kept.join('\n').includes('Log in'), false, 'the whole message is sealed');

  const received: TaskMessage[] = [];
  await worker.serve('task_waiting', (message) => {
    received.push(message);
    return { accepted: true };
  });
  assert.deepEqual(received, [runTask(secret)]);
});

test('a worker without the key that sealed a command refuses it saying which key is needed, and the sender hears so', async () => {
  const prefix = `sealed-${randomBytes(4).toString('hex')}`;
  const [api, worker] = [await bus(prefix, sealerWithNewKey()), await bus(prefix, sealerWithNewKey())];
  await worker.serve('task_running', () => ({ accepted: true }));
  const reply = await api.send('task_running', runTask('another-secret'));
  assert.equal(reply.accepted, false);
  assert.match(reply.accepted ? '' : reply.reason, /every process sharing the database needs the same SMOOTH_SECRET_KEY/);
});
