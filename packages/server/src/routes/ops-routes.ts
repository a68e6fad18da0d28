import { errorMessage } from '@open-smooth/protocol';
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { settlesWithin } from '../settles-within.js';

/** One thing a process needs before it can take work; `check` rejects saying what is wrong. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** A check that does not answer within this long counts as not ready (a probe must answer fast). */
const checkTimeoutMs = 5_000;

async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
  const failure = check.check().then(
    () => undefined,
    (error: unknown) => `${check.name}: ${errorMessage(error)}`,
  );
  if (!(await settlesWithin(failure, checkTimeoutMs))) return `${check.name}: no answer within ${checkTimeoutMs / 1000} s`;
  return failure;
}

/**
 * For orchestrators and monitoring, without an API key: `/healthz` (the process answers),
 * `/readyz` (what it needs to take work answers: 503 with a detail naming what does not) and
 * `/metrics` (Prometheus text).
 */
export function registerOpsRoutes(app: FastifyInstance, options: { readiness: readonly ReadinessCheck[]; metrics: ServerMetrics }): void {
  app.get('/healthz', async () => ({ r: { status: 'alive' } }));

  app.get('/readyz', async (_request, reply) => {
    const failures = (await Promise.all(options.readiness.map(runCheck))).filter((failure): failure is string => failure !== undefined);
    if (failures.length > 0) return reply.status(503).send({ detail: `not ready: ${failures.join('; ')}` });
    return { r: { status: 'ready', checks: options.readiness.map((check) => check.name) } };
  });

  app.get('/metrics', async (_request, reply) => reply.type(options.metrics.contentType).send(await options.metrics.render()));
}
