import type { Redis } from 'ioredis';
import { settlesWithin } from '../settles-within.js';

/**
 * How long a close waits for Redis before it lets go without it: with Redis gone, commands wait
 * for a reconnect (maxRetriesPerRequest: null), so an unbounded wait would hold shutdown forever.
 */
export const redisCloseWaitMs = 3000;

/** Ends a connection with QUIT, or drops it once Redis has not answered within the wait. */
export async function quitRedis(redis: Redis): Promise<void> {
  if (!(await settlesWithin(redis.quit(), redisCloseWaitMs))) redis.disconnect();
}
