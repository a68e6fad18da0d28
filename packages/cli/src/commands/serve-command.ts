import { integerOption, stringOption, type CliCommand } from '../cli-command.js';
import { readCliConfig, updateCliConfig } from '../cli-config.js';
import { UsageError } from '../cli-errors.js';

/** What `startServer` from @open-smooth/server gives back (the parts `serve` uses). */
interface StartedServer {
  url: string;
  apiBaseUrl: string;
  apiKeys: unknown[];
  close(): Promise<void>;
}
type StartServer = (options: Record<string, unknown>) => Promise<StartedServer>;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the Open Smooth server on this machine (SQLite store, local Chromium)',
  usage: 'smooth serve [--host 127.0.0.1] [--port 7777] [--data-dir DIR]   (env: SMOOTH_DATA_DIR, SMOOTH_API_KEYS=key1,key2)',
  options: { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
  async run({ values, output }) {
    const port = integerOption(values, 'port');
    if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError('--port must be between 0 and 65535');
    const startServer = await loadStartServer();
    const server = await startServer({
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: port ?? 7777,
      ...(dataDirectory(values) ? { dataDirectory: dataDirectory(values) } : {}),
    });
    const apiKey = firstApiKey(server.apiKeys);
    const savedToConfig = apiKey ? await saveConnectionIfUnset(apiKey, server.apiBaseUrl) : false;
    output.result({ url: server.url, api_base_url: server.apiBaseUrl, api_key: apiKey ?? null, saved_to_config: savedToConfig }, [
      `Open Smooth is running at ${server.url}`,
      `API:     ${server.apiBaseUrl}`,
      `API key: ${apiKey ?? '(see SMOOTH_API_KEYS)'}${savedToConfig ? '  (saved for the smooth CLI)' : ''}`,
      '',
      'Try it:',
      ...firstExample(server.apiBaseUrl, apiKey ?? '<api-key>'),
      '',
      'Press Ctrl+C to stop.',
    ]);
    await waitForStopSignal();
    output.progress('Stopping...');
    await server.close();
    return 0;
  },
};

/** Loaded lazily so every other command starts without the server's dependencies. */
async function loadStartServer(): Promise<StartServer> {
  const specifier = '@open-smooth/server';
  const serverModule = (await import(specifier)) as { startServer?: StartServer };
  if (typeof serverModule.startServer !== 'function') throw new Error('@open-smooth/server does not export startServer');
  return serverModule.startServer;
}

function dataDirectory(values: Record<string, unknown>): string | undefined {
  const flag = values['data-dir'];
  return typeof flag === 'string' && flag ? flag : process.env.SMOOTH_DATA_DIR || undefined;
}

function firstApiKey(apiKeys: unknown[]): string | undefined {
  const [first] = apiKeys;
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && 'key' in first && typeof first.key === 'string') return first.key;
  return undefined;
}

/** On a fresh machine, later `smooth` commands should just work against this server. */
async function saveConnectionIfUnset(apiKey: string, apiBaseUrl: string): Promise<boolean> {
  const config = await readCliConfig();
  if (config.apiKey) return false;
  await updateCliConfig({ apiKey, baseUrl: apiBaseUrl.replace(/\/v1\/?$/, '/') });
  return true;
}

function firstExample(apiBaseUrl: string, apiKey: string): string[] {
  const base = apiBaseUrl.replace(/\/+$/, '');
  const sdkBase = base.replace(/\/v1$/, '/');
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
