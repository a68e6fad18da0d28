import type { Logger } from '@open-smooth/protocol';
import { runtimeLogger } from '@open-smooth/browser';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The server's structured logger (see runtimeLogger: JSON lines on stderr, SMOOTH_LOG_LEVEL).
 * Fastify logs through it; what concerns one task goes through `taskLogger`, so every line of a
 * task carries its id and a deployment's logs can be searched by task across processes.
 */
export const serverLogger: FastifyBaseLogger = runtimeLogger.child({ component: 'server' });

export function taskLogger(taskId: string): Logger {
  return serverLogger.child({ taskId });
}
