import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '@open-smooth/testkit';
import { startTestServer } from './support/test-server.js';

// Shutting down must not depend on Redis answering: commands wait for a reconnect that never comes.
test('a server on Redis closes when Redis has gone away, with a task it queued', async () => {
  const redis = await startRedisServer();
  const server = await startTestServer({ redisUrl: redis.url });
  const created = await server.api('POST', '/task', { body: { task: null } });
  assert.equal(created.status, 200);
  await redis.stop();
  const startedAt = Date.now();
  await server.close();
  const tookMs = Date.now() - startedAt;
  // Generous for a loaded machine; before the fix it never finished.
  assert.ok(tookMs < 60_000, `closed after ${tookMs} ms`);
});
