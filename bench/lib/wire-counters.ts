import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WireCounts } from './wire-counter-process.js';

export type { WireCounts };

interface Endpoint {
  host: string;
  port: number;
}

/** Per server process: where it should connect instead of the real servers, and what it sent there. */
export interface WireCounters {
  /** The database URL, Redis URL and S3 endpoint that lead through `name`'s counting proxies. */
  endpointsFor(name: string): { databaseUrl: string; redisUrl: string; s3Endpoint: string };
  snapshot(): Promise<Record<string, WireCounts>>;
  close(): Promise<void>;
}

/** Swaps a URL's host and port for the proxy's, keeping user, password, path and query. */
function throughProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

function endpointOf(url: string): Endpoint {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** Starts the counting proxies (wire-counter-process.ts, a child process) for the named server processes. */
export async function startWireCounters(targets: { databaseUrl: string; redisUrl: string; s3Endpoint: string }, names: readonly string[]): Promise<WireCounters> {
  const configuration = { postgres: endpointOf(targets.databaseUrl), redis: endpointOf(targets.redisUrl), s3: endpointOf(targets.s3Endpoint), names };
  const child: ChildProcess = fork(fileURLToPath(new URL('./wire-counter-process.ts', import.meta.url)), [JSON.stringify(configuration)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<Record<string, { postgres: number; redis: number; s3: number }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the wire counters exited with code ${String(code)} before they were ready`)));
    child.once('message', (message: { type: string; ports: Record<string, { postgres: number; redis: number; s3: number }> }) => resolve(message.ports));
  });
  let nextId = 0;
  return {
    endpointsFor(name) {
      const mine = ports[name];
      if (!mine) throw new Error(`no counting proxies were started for ${name}`);
      return {
        databaseUrl: throughProxy(targets.databaseUrl, mine.postgres),
        redisUrl: throughProxy(targets.redisUrl, mine.redis),
        s3Endpoint: `http://127.0.0.1:${mine.s3}`,
      };
    },
    snapshot() {
      const id = (nextId += 1);
      return new Promise((resolve) => {
        const onMessage = (message: { type: string; id: number; counts: Record<string, WireCounts> }): void => {
          if (message.type !== 'snapshot' || message.id !== id) return;
          child.off('message', onMessage);
          resolve(message.counts);
        };
        child.on('message', onMessage);
        child.send({ type: 'snapshot', id });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** `after - before`, field by field (the open connections are taken from `after`). */
export function countsBetween(before: WireCounts, after: WireCounts): WireCounts {
  const difference = (left: Record<string, number>, right: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.keys(right).map((key) => [key, (right[key] ?? 0) - (left[key] ?? 0)]).filter(([, value]) => value !== 0));
  return {
    postgres: {
      connections: after.postgres.connections - before.postgres.connections,
      open: after.postgres.open,
      statements: after.postgres.statements - before.postgres.statements,
      byVerb: difference(before.postgres.byVerb, after.postgres.byVerb),
    },
    redis: {
      connections: after.redis.connections - before.redis.connections,
      open: after.redis.open,
      commands: after.redis.commands - before.redis.commands,
      byCommand: difference(before.redis.byCommand, after.redis.byCommand),
    },
    s3: { requests: after.s3.requests - before.s3.requests, byMethod: difference(before.s3.byMethod, after.s3.byMethod) },
  };
}
