import { startRedisServer, type RedisServer } from '@open-smooth/testkit';
import { stopAfterServers } from './suite-cleanup.js';

let shared: Promise<RedisServer> | undefined;

stopAfterServers(async () => {
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
