import { Redis } from 'ioredis';
import { BullmqTaskQueue } from '../scale/bullmq-task-queue.js';
import { settlesWithin } from '../settles-within.js';
import { RedisCommandBus, type MessageSealer } from '../scale/redis-command-bus.js';
import { RedisEventNotifier } from '../scale/redis-event-notifier.js';
import { RedisFinishGate } from '../scale/redis-finish-gate.js';
import { RedisWithheldAnswers } from '../scale/redis-withheld-answers.js';
import { tasksOverSeams, type EmbeddedTasks, type EmbeddedTasksOptions } from './embedded-tasks.js';
import { serverLogger } from '../server-logger.js';
import { quitRedis, redisCloseWaitMs } from '../scale/quit-redis.js';

/** A Redis-backed process's tasks, with what /readyz asks of Redis. */
export type RedisTasks = EmbeddedTasks & { checkRedis(): Promise<void>; redis: Redis };

/**
 * Tasks whose queue, command bus and notifier are on Redis (BullMQ, pub/sub): an api process, a
 * worker process, or one process that does both (`--role all` with Redis).
 */
export async function redisTasks(options: EmbeddedTasksOptions & { redisUrl: string; redisPrefix?: string | undefined; sealer: MessageSealer }): Promise<RedisTasks> {
  // BullMQ's workers need commands that wait for a reconnect rather than fail after a few retries.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  await connection.connect();
  const prefix = options.redisPrefix ?? 'open-smooth';
  try {
    const tasks = tasksOverSeams(options, {
      // A job's lock lasts as long as a task's lease: a dead worker's job is free again (for the
      // check for lost tasks) when its unstarted task is handed back, not half a minute later.
      queue: await BullmqTaskQueue.connect(connection, options.limits, { prefix, lockDurationMs: options.leaseMs }),
      commands: await RedisCommandBus.connect(connection, { prefix, sealer: options.sealer }),
      notifier: await RedisEventNotifier.connect(connection, prefix),
      pollGates: { finishGate: new RedisFinishGate(connection, prefix), withheldAnswers: new RedisWithheldAnswers(connection, prefix) },
    });
    return {
      ...tasks,
      checkRedis: async () => void (await connection.ping()),
      redis: connection,
      async close() {
        // Commands wait for Redis to come back (maxRetriesPerRequest: null): with Redis gone, a
        // close would wait forever. It waits a while, then drops the connections, which fails
        // what is still waiting; the process's own state is let go either way.
        const closing = tasks.close();
        if (!(await settlesWithin(closing, redisCloseWaitMs))) {
          serverLogger.warn({ waitedMs: redisCloseWaitMs }, 'Redis did not answer while closing; closing without it');
          connection.disconnect();
          await settlesWithin(closing, redisCloseWaitMs);
        }
        await quitRedis(connection);
      },
    };
  } catch (error) {
    connection.disconnect();
    throw error;
  }
}
