import type { startServer as StartServerFunction } from '@open-smooth/server';
import { InvalidNetworkAllowanceError, PrivateNetworkAllowance } from '@open-smooth/browser/network-policy-ranges';
import { withApiVersion } from '@open-smooth/sdk';
import { integerOption, stringOption, type CliCommand } from '../cli-command.js';
import { readCliConfig, updateCliConfig } from '../cli-config.js';
import { UsageError } from '../cli-errors.js';

type StartServer = typeof StartServerFunction;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the Open Smooth server on this machine (SQLite store, local Chromium)',
  usage:
    'smooth serve [--host 127.0.0.1] [--port 7777] [--data-dir DIR] [--max-concurrent-tasks N] [--allow-private-network HOSTS_AND_CIDRS]   (env: SMOOTH_DATA_DIR, SMOOTH_API_KEYS=key1,key2, SMOOTH_MAX_CONCURRENT_TASKS, SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY, SMOOTH_ALLOW_PRIVATE_NETWORK=127.0.0.0/8,10.1.2.3)',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'max-concurrent-tasks': { type: 'string' },
    'allow-private-network': { type: 'string' },
  },
  async run({ values, output }) {
    const port = integerOption(values, 'port');
    if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError('--port must be between 0 and 65535');
    const maxConcurrentTasks = integerOption(values, 'max-concurrent-tasks');
    if (maxConcurrentTasks !== undefined && maxConcurrentTasks < 1) throw new UsageError('--max-concurrent-tasks must be at least 1');
    // Listen for Ctrl+C before anything is printed, so an early signal still closes cleanly.
    const allowPrivateNetwork = privateNetworkFlag(values);
    const stopRequested = waitForStopSignal();
    const startServer = await loadStartServer();
    const server = await startServer({
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: port ?? 7777,
      launchBrowserAtStart: true,
      ...(allowPrivateNetwork ? { allowPrivateNetwork } : {}),
      ...(maxConcurrentTasks !== undefined ? { maxConcurrentTasks } : {}),
      ...(dataDirectory(values) ? { dataDirectory: dataDirectory(values) } : {}),
    });
    const apiKey = firstApiKey(server.apiKeys);
    const savedToConfig = apiKey ? await saveConnectionIfUnset(apiKey, server.apiBaseUrl) : false;
    output.result({ url: server.url, api_base_url: server.apiBaseUrl, api_key: apiKey ?? null, saved_to_config: savedToConfig }, [
      `Open Smooth is running at ${server.url}`,
      `API:     ${withApiVersion(server.apiBaseUrl, 'v1')}  (SMOOTH_BASE_URL=${server.apiBaseUrl})`,
      `API key: ${apiKey ?? '(see SMOOTH_API_KEYS)'}${savedToConfig ? '  (saved for the smooth CLI)' : ''}`,
      '',
      'Try it:',
      ...firstExample(server.apiBaseUrl, apiKey ?? '<api-key>'),
      '',
      'Press Ctrl+C to stop.',
    ]);
    await stopRequested;
    output.progress('Stopping...');
    await server.close();
    return 0;
  },
};

/** Loaded lazily so every other command starts without the server's dependencies (Fastify, SQLite, Playwright). */
async function loadStartServer(): Promise<StartServer> {
  const serverModule = await import('@open-smooth/server');
  return serverModule.startServer;
}

/** `--allow-private-network a,b` (checked here, so a typo is a usage error); absent: the server reads SMOOTH_ALLOW_PRIVATE_NETWORK. */
function privateNetworkFlag(values: Record<string, unknown>): string[] | undefined {
  const flag = values['allow-private-network'];
  if (typeof flag !== 'string') return undefined;
  try {
    return [...PrivateNetworkAllowance.parse(flag).entries];
  } catch (error) {
    if (error instanceof InvalidNetworkAllowanceError) throw new UsageError(`--allow-private-network: ${error.message}`);
    throw error;
  }
}

function dataDirectory(values: Record<string, unknown>): string | undefined {
  const flag = values['data-dir'];
  return typeof flag === 'string' && flag ? flag : process.env.SMOOTH_DATA_DIR || undefined;
}

function firstApiKey(apiKeys: readonly string[]): string | undefined {
  return apiKeys[0];
}

/** On a fresh machine, later `smooth` commands should just work against this server. */
async function saveConnectionIfUnset(apiKey: string, apiBaseUrl: string): Promise<boolean> {
  const config = await readCliConfig();
  if (config.apiKey) return false;
  await updateCliConfig({ apiKey, baseUrl: apiBaseUrl });
  return true;
}

/** `apiBaseUrl` is what SMOOTH_BASE_URL takes (`.../api/`); the REST paths live under its v1. */
function firstExample(apiBaseUrl: string, apiKey: string): string[] {
  const base = withApiVersion(apiBaseUrl, 'v1');
  const sdkBase = apiBaseUrl;
  return [
    `  curl -s -X POST ${base}/task -H 'apikey: ${apiKey}' -H 'content-type: application/json' \\`,
    `    -d '{"task": "Go to example.com and tell me the page title"}'`,
    `  curl -s '${base}/task/<id>?event_t=0' -H 'apikey: ${apiKey}'`,
    '',
    `  // TypeScript: SMOOTH_BASE_URL=${sdkBase} SMOOTH_API_KEY=${apiKey}`,
    `  import { SmoothClient } from '@open-smooth/sdk';`,
    `  const task = await new SmoothClient().run({ task: 'Go to example.com and tell me the page title' });`,
    '  console.log((await task.result()).output);',
  ];
}

function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
