import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserPool } from '@open-smooth/browser';
import { startServer, type RunningServer } from '@open-smooth/server';
import { SessionApiClient } from './session-api-client.js';
import { loopbackNetworkAllowance, startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from './testkit.js';

/** Our server on loopback with a fresh data directory, the fixture sites and an instant scripted model. */
export interface BenchServer {
  server: RunningServer;
  client: SessionApiClient;
  fixtures: FixtureServer;
  model: ScriptedModelServer;
  close(): Promise<void>;
}

export const benchApiKey = 'bench-key';

export async function startBenchServer(options: { maxConcurrentTasks: number; browserPool?: BrowserPool }): Promise<BenchServer> {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-'));
  const fixtures = await startFixtureServer();
  const model = await startScriptedModelServer(() => ({ toolCalls: [{ name: 'done', arguments: { output: 'ok' } }] }));
  const server = await startServer({
    port: 0,
    dataDirectory,
    apiKeys: [benchApiKey],
    modelEnvironment: model.environment(),
    maxConcurrentTasks: options.maxConcurrentTasks,
    ...(options.browserPool ? { browserPool: options.browserPool } : { allowPrivateNetwork: loopbackNetworkAllowance }),
  });
  const client = new SessionApiClient(`${server.url}/api/v1`, benchApiKey);
  return {
    server,
    client,
    fixtures,
    model,
    async close() {
      await client.waitForSessionsToFinish().catch(() => {});
      await server.close();
      await Promise.all([fixtures.close(), model.close()]);
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}
