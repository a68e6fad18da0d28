import { BrowserPool } from '@open-smooth/browser';
import { startServer } from '../../src/index.js';

/**
 * The server in a process of its own, for tests that need a process-wide setting the test's own
 * process cannot take after it started (NODE_EXTRA_CA_CERTS, read once at start). Prints
 * `{"apiBaseUrl": ...}` on one line once it listens; closes when its stdin ends.
 * Environment: TEST_API_KEY, TEST_DATA_DIR, TEST_CHROMIUM_ARGS (a JSON array, optional),
 * TEST_CALLER_TUNNEL_TIMEOUT_MS (optional), TEST_ALLOW_PRIVATE_NETWORK (a JSON array; default none,
 * the production default), TEST_LEASE_MS (optional; the heartbeat is a third of it).
 */
const extraArgs = JSON.parse(process.env.TEST_CHROMIUM_ARGS ?? '[]') as string[];
const allowPrivateNetwork = JSON.parse(process.env.TEST_ALLOW_PRIVATE_NETWORK ?? '[]') as string[];
const pool = process.env.SMOOTH_ROLE?.trim() === 'api' ? undefined : await BrowserPool.launch({ warmDevices: ['mobile'], extraArgs, allowPrivateNetwork });
const server = await startServer({
  apiKeys: [process.env.TEST_API_KEY ?? 'sk_test_process'],
  dataDirectory: process.env.TEST_DATA_DIR,
  ...(pool ? { browserPool: pool } : { allowPrivateNetwork }),
  longPollMs: 2000,
  ...(process.env.TEST_CALLER_TUNNEL_TIMEOUT_MS ? { callerTunnelTimeoutMs: Number(process.env.TEST_CALLER_TUNNEL_TIMEOUT_MS) } : {}),
  ...(process.env.TEST_LEASE_MS ? { leaseMs: Number(process.env.TEST_LEASE_MS) } : {}),
  ...(process.env.TEST_REDIS_PREFIX ? { redisPrefix: process.env.TEST_REDIS_PREFIX } : {}),
});
process.stdout.write(`${JSON.stringify({ apiBaseUrl: server.apiBaseUrl })}\n`);
// Closing stdin asks for a clean close (a signal would reach Playwright's own handler first, which kills Chromium under the pool).
process.stdin.resume();
process.stdin.once('end', () => {
  void (async () => {
    await server.close();
    await pool?.close();
    process.exit(0);
  })();
});
