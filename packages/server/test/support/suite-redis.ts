import { after } from 'node:test';
import { startRedisServer, type RedisServer } from '@open-smooth/testkit';

let shared: Promise<RedisServer> | undefined;

// Registered at load time, so that it belongs to the file's root (inside a test it would run after that test).
after(async () => {
  await (await shared)?.stop();
});

/**
 * One redis-server per test file (process), started on first use and stopped after the file's
 * tests; the servers of one file share it under prefixes of their own.
 */
export function suiteRedis(): Promise<RedisServer> {
  shared ??= startRedisServer();
  return shared;
}
