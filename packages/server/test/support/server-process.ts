import { createInterface } from 'node:readline';
import type { BrowserPool } from '@open-smooth/browser';
import { startServer, type RunningServer } from '../../src/index.js';
import { serverRoleOf } from '../../src/server-role.js';
import type { ServerProcessCommand } from './server-process-spec.js';

/**
 * Servers in a process of their own, driven by spawned-server.ts: for tests that need a
 * process-wide setting the test's own process cannot take after it started (NODE_EXTRA_CA_CERTS,
 * read once at start), a process to kill -9, or the distributed topology's api and worker
 * processes. Reads commands as JSON lines on stdin (ServerProcessCommand): `start` starts a server
 * (with the environment given, which replaces this process's) and prints it (url, apiBaseUrl,
 * apiKeys, dataDirectory, role) as one JSON line once it listens; `close` closes it and prints
 * `{"closed":true}`, after which another may start (loading the modules once saves each later
 * server seconds). When stdin ends, which is also what happens when the test process dies, the
 * server closes and the process exits.
 */

/** Longer than any clean close; then the process exits anyway (its parent may be gone, nobody else would end it). */
const closeLimitMs = 90_000;

let running: { server: RunningServer; pool: BrowserPool | undefined } | undefined;

function useEnvironment(environment: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
  Object.assign(process.env, environment);
}

async function start({ spec, environment }: Extract<ServerProcessCommand, { command: 'start' }>): Promise<void> {
  useEnvironment(environment);
  let pool: BrowserPool | undefined;
  if (spec.pool && serverRoleOf(spec.server) !== 'api') {
    // Launched at once only when a test asked for pool settings of its own; otherwise the server launches its own on first use.
    const { BrowserPool: Pool } = await import('@open-smooth/browser');
    pool = await Pool.launch(spec.pool);
  }
  const server = await startServer({
    ...spec.server,
    ...(pool ? { browserPool: pool } : spec.pool ? { allowPrivateNetwork: spec.pool.allowPrivateNetwork ?? [] } : {}),
  });
  running = { server, pool };
  const { url, apiBaseUrl, apiKeys, dataDirectory, role } = server;
  process.stdout.write(`${JSON.stringify({ url, apiBaseUrl, apiKeys, dataDirectory, role })}\n`);
}

async function close(): Promise<void> {
  const current = running;
  running = undefined;
  await current?.server.close();
  await current?.pool?.close();
}

function exitAfter(work: Promise<void>, what: string): void {
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

// One command at a time, in order.
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as ServerProcessCommand;
  queue = queue.then(async () => {
    if (command.command === 'start') {
      // A server that cannot start leaves this process as nothing to reuse: it exits, and the parent says why.
      await start(command).catch((error: unknown) => exitAfter(Promise.reject(error), 'starting the server'));
    } else {
      // Likewise a close that fails: the parent sees the process end instead of `closed`.
      await close().then(
        () => void process.stdout.write(`${JSON.stringify({ closed: true })}\n`),
        (error: unknown) => exitAfter(Promise.reject(error), "the server's close"),
      );
    }
  });
});
// Ending stdin asks for a clean close (a signal would reach Playwright's own handler first, which kills Chromium under the pool).
lines.once('close', () => {
  setTimeout(() => {
    process.stderr.write(`the server did not close within ${closeLimitMs} ms; exiting anyway\n`);
    process.exit(1);
  }, closeLimitMs).unref();
  exitAfter(
    queue.then(() => close()),
    "the server's close",
  );
});
