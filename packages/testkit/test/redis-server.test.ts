import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { startRedisServer } from '../src/redis-server.js';

/** Sends one inline command and returns Redis's first reply line. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const lines = received.split('\r\n');
      // A bulk reply ($n) has its value on the next line.
      const complete = received.startsWith('$') && !received.startsWith('$-1') ? lines.length >= 3 : lines.length >= 2;
      if (!complete) return;
      socket.end();
      resolve(received.startsWith('$') && !received.startsWith('$-1') ? (lines[1] ?? '') : (lines[0] ?? ''));
    });
    socket.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
  });
}

test('a throwaway redis-server answers on loopback, and stop() removes it and its directory', async () => {
  const redis = await startRedisServer();
  assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await command(redis.port, 'SET greeting hello'), '+OK');
  assert.equal(await command(redis.port, 'GET greeting'), 'hello');
  await redis.stop();
  await assert.rejects(command(redis.port, 'PING'), /ECONNREFUSED/);
  await assert.rejects(stat(redis.dataDirectory), /ENOENT/);
});

test('without persistence a restart starts empty; with appendOnly even a killed server keeps its data', async () => {
  const volatile = await startRedisServer();
  const durable = await startRedisServer({ appendOnly: true });
  try {
    assert.equal(await command(volatile.port, 'SET kept no'), '+OK');
    assert.equal(await command(durable.port, 'SET kept yes'), '+OK');
    await volatile.restart();
    await durable.restart({ kill: true });
    assert.equal(await command(volatile.port, 'GET kept'), '$-1');
    assert.equal(await command(durable.port, 'GET kept'), 'yes');
  } finally {
    await volatile.stop();
    await durable.stop();
  }
});
