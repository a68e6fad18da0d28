import { startServer } from '../src/index.js';

/**
 * A server in a process of its own for postgres-gone-close.test.ts: it starts from the
 * environment (SMOOTH_ROLE, SMOOTH_DATABASE_URL, SMOOTH_REDIS_URL, SMOOTH_BLOB_URL, …), prints
 * `{"apiBaseUrl": ...}` once it listens, closes when its stdin ends and prints `{"closedInMs": …}`.
 * It never calls process.exit: the process ends only if the close left nothing running. Should it
 * still be alive 10 s later, it prints what keeps it alive (stderr) for the test's message.
 */
const server = await startServer({
  apiKeys: [process.env.TEST_API_KEY ?? 'sk_test_process'],
  dataDirectory: process.env.TEST_DATA_DIR,
  allowPrivateNetwork: JSON.parse(process.env.TEST_ALLOW_PRIVATE_NETWORK ?? '[]') as string[],
  longPollMs: 2000,
  ...(process.env.TEST_LEASE_MS ? { leaseMs: Number(process.env.TEST_LEASE_MS) } : {}),
  ...(process.env.TEST_REDIS_PREFIX ? { redisPrefix: process.env.TEST_REDIS_PREFIX } : {}),
});
process.stdout.write(`${JSON.stringify({ apiBaseUrl: server.apiBaseUrl })}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  void (async () => {
    const startedAt = Date.now();
    await server.close();
    process.stdout.write(`${JSON.stringify({ closedInMs: Date.now() - startedAt })}\n`);
    process.stdin.destroy();
    setTimeout(() => process.stderr.write(`still alive 10 s after close, held by: ${JSON.stringify(process.getActiveResourcesInfo())}\n`), 10_000).unref();
  })();
});
