import type { startServer as StartServerFunction } from '@open-smooth/server';
import { InvalidNetworkAllowanceError, PrivateNetworkAllowance } from '@open-smooth/browser/network-policy-ranges';
import { withApiVersion } from '@open-smooth/sdk';
import { integerOption, stringOption, type CliCommand, type OptionValues } from '../cli-command.js';
import { readCliConfig, updateCliConfig } from '../cli-config.js';
import { UsageError } from '../cli-errors.js';

type StartServer = typeof StartServerFunction;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the Open Smooth server on this machine (SQLite store, or PostgreSQL with --database-url; local Chromium), or one api or worker process of a deployment (--role)',
  usage:
    'smooth serve [--host 127.0.0.1] [--port 7777] [--data-dir DIR] [--max-concurrent-tasks N] [--allow-private-network HOSTS_AND_CIDRS] [--database-url postgres://...] [--database-pool-size N] [--blob-url s3://bucket?endpoint=URL&region=R] [--role all|api|worker] [--redis-url redis://...] [--worker-url http://this-host:port]   (env: SMOOTH_ROLE, SMOOTH_REDIS_URL, SMOOTH_WORKER_URL, SMOOTH_DATA_DIR, SMOOTH_DATABASE_URL, SMOOTH_DATABASE_POOL_SIZE, SMOOTH_SECRET_KEY, SMOOTH_API_KEYS=key1,key2, SMOOTH_MAX_CONCURRENT_TASKS, SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY, SMOOTH_ALLOW_PRIVATE_NETWORK=127.0.0.0/8,10.1.2.3, SMOOTH_BLOB_URL with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'max-concurrent-tasks': { type: 'string' },
    'allow-private-network': { type: 'string' },
    'database-url': { type: 'string' },
    'database-pool-size': { type: 'string' },
    'blob-url': { type: 'string' },
    role: { type: 'string' },
    'redis-url': { type: 'string' },
    'worker-url': { type: 'string' },
  },
  async run({ values, output }) {
    const port = integerOption(values, 'port');
    if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError('--port must be between 0 and 65535');
    const maxConcurrentTasks = integerOption(values, 'max-concurrent-tasks');
    if (maxConcurrentTasks !== undefined && maxConcurrentTasks < 1) throw new UsageError('--max-concurrent-tasks must be at least 1');
    // Listen for Ctrl+C before anything is printed, so an early signal still closes cleanly.
    const allowPrivateNetwork = privateNetworkFlag(values);
    const databaseUrl = stringOption(values, 'database-url');
    if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) throw new UsageError('--database-url must be a postgres:// or postgresql:// URL (leave it out for the embedded SQLite database)');
    const databasePoolSize = integerOption(values, 'database-pool-size');
    if (databasePoolSize !== undefined && (databasePoolSize < 1 || databasePoolSize > 1000)) throw new UsageError('--database-pool-size must be a whole number of connections from 1 to 1000');
    if (databasePoolSize !== undefined && databaseUrl === undefined && !process.env.SMOOTH_DATABASE_URL?.trim()) throw new UsageError('--database-pool-size sizes the PostgreSQL connection pool: give --database-url (or SMOOTH_DATABASE_URL) too');
    const role = roleFlag(values);
    const redisUrl = stringOption(values, 'redis-url');
    if (redisUrl !== undefined && !/^rediss?:\/\//i.test(redisUrl)) throw new UsageError('--redis-url must be a redis:// or rediss:// URL');
    const workerUrl = stringOption(values, 'worker-url');
    if (workerUrl !== undefined && !/^https?:\/\/[^/]+\/?$/i.test(workerUrl)) throw new UsageError('--worker-url must be http(s)://host:port, the address api processes reach this worker at');
    const stopRequested = waitForStopSignal();
    const startServer = await loadStartServer();
    const blobUrl = stringOption(values, 'blob-url');
    const server = await startServer({
      ...(blobUrl ? { blobUrl } : {}),
      ...(role ? { role } : {}),
      ...(redisUrl ? { redisUrl } : {}),
      ...(workerUrl ? { workerUrl } : {}),
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: port ?? 7777,
      launchBrowserAtStart: true,
      ...(allowPrivateNetwork ? { allowPrivateNetwork } : {}),
      ...(maxConcurrentTasks !== undefined ? { maxConcurrentTasks } : {}),
      ...(dataDirectory(values) ? { dataDirectory: dataDirectory(values) } : {}),
      ...(databaseUrl !== undefined ? { databaseUrl } : {}),
      ...(databasePoolSize !== undefined ? { databasePoolSize } : {}),
    });
    const apiKey = firstApiKey(server.apiKeys);
    // A worker is not what clients talk to: only an api (or all-in-one) process becomes the CLI's server.
    const saved = apiKey && server.role !== 'worker' ? await saveConnection(apiKey, server.apiBaseUrl) : undefined;
    const modelProblem = await missingModelReason();
    if (modelProblem) output.warning(noModelWarning(modelProblem));
    output.result(
      'Server started',
      { url: server.url, api_base_url: server.apiBaseUrl, api_key: apiKey ?? null, saved_to_config: saved !== undefined, model_configured: !modelProblem },
      [
        server.role === 'all' ? `Open Smooth is running at ${server.url}` : `Open Smooth (${server.role} process) is running at ${server.url}`,
        `API:     ${withApiVersion(server.apiBaseUrl, 'v1')}  (SMOOTH_BASE_URL=${server.apiBaseUrl})`,
        `API key: ${apiKey ?? '(see SMOOTH_API_KEYS)'}  (SMOOTH_API_KEY or CIRCLEMIND_API_KEY, as the official SDKs read it)`,
        ...(saved ? [`         saved for the smooth CLI: \`npx smooth\` now talks to this server${saved.replaced ? ` (it pointed at ${saved.replaced})` : ''}`] : []),
        '',
        ...firstExample(server.apiBaseUrl, apiKey ?? '<api-key>', !modelProblem),
        '',
        'Press Ctrl+C to stop.',
      ],
    );
    await stopRequested;
    output.progress('Stopping...');
    await server.close();
    return 0;
  },
};

const roles = ['all', 'api', 'worker'] as const;

/** `--role`; absent: the server reads SMOOTH_ROLE (default all). */
function roleFlag(values: OptionValues): (typeof roles)[number] | undefined {
  const flag = stringOption(values, 'role');
  if (flag === undefined) return undefined;
  const role = roles.find((known) => known === flag);
  if (!role) throw new UsageError(`--role is one of ${roles.join(', ')}, not ${flag}`);
  return role;
}

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

/**
 * Later `smooth` commands talk to this server: its URL and key go to the CLI config at every start
 * (a config left by an earlier server on another port or data directory would point nowhere).
 * Returns the base URL it replaced, if any.
 */
async function saveConnection(apiKey: string, apiBaseUrl: string): Promise<{ replaced?: string }> {
  const config = await readCliConfig();
  await updateCliConfig({ apiKey, baseUrl: apiBaseUrl });
  return config.baseUrl && config.baseUrl !== apiBaseUrl ? { replaced: config.baseUrl } : {};
}

/** Why tasks cannot run (no model configured), or undefined when a model is configured. */
async function missingModelReason(): Promise<string | undefined> {
  const agent = await import('@open-smooth/agent');
  try {
    agent.modelSettingsFromEnvironment(process.env);
    return undefined;
  } catch (error) {
    if (error instanceof agent.ModelNotConfiguredError) return error.message;
    throw error;
  }
}

function noModelWarning(reason: string): string[] {
  return [
    '',
    '!!! No model is configured: tasks (run, runTask, extract) will fail until you set one. !!!',
    reason,
    'For example:  OPENAI_API_KEY=sk-... npm start',
    '          or  ANTHROPIC_API_KEY=sk-ant-... npm start',
    'Sessions work without a model: goto, evaluate_js and the live view (the example below).',
    '',
  ];
}

/**
 * What a newcomer can paste: a session (a browser driven by commands) needs no model, so it works
 * on a fresh install; a task is shown too once a model is configured. `apiBaseUrl` is what
 * SMOOTH_BASE_URL takes (`.../api/`); the REST paths live under its v1.
 */
function firstExample(apiBaseUrl: string, apiKey: string, modelConfigured: boolean): string[] {
  const base = withApiVersion(apiBaseUrl, 'v1');
  const json = `-H 'apikey: ${apiKey}' -H 'content-type: application/json'`;
  return [
    'Try it: a session (a browser driven by commands; no model needed). Open its live_url to watch.',
    `  curl -s -X POST ${base}/task ${json} -d '{"task": null, "url": "https://example.com", "device": "desktop"}'`,
    '  # then, with the "id" it answered as <id>:',
    `  curl -s -X POST ${base}/task/<id>/event ${json} -d '{"name": "browser_action", "payload": {"name": "evaluate_js", "input": {"js": "document.title"}}}'`,
    `  curl -s '${base}/task/<id>?event_t=0' -H 'apikey: ${apiKey}'`,
    `  curl -s -X DELETE ${base}/task/<id> -H 'apikey: ${apiKey}'`,
    '',
    '  The same with the CLI:  npx smooth start-session --url https://example.com --device desktop',
    '                          npx smooth evaluate-js <id> "document.title"   then   npx smooth close-session <id>',
    '',
    '  TypeScript: save as example.mts in this folder, run `npx tsx example.mts`',
    '  (another project: `npm pack` in packages/sdk, then `npm install` the .tgz it makes):',
    `    import { SmoothClient } from '@open-smooth/sdk';`,
    `    const client = new SmoothClient({ baseUrl: '${apiBaseUrl}', apiKey: '${apiKey}' });`,
    `    const session = await client.session({ url: 'https://example.com', device: 'desktop' });`,
    `    console.log((await session.evaluateJs('document.title')).output);`,
    '    await session.close();',
    ...(modelConfigured
      ? [
          '',
          'A task (the agent drives the browser with your model):',
          `  curl -s -X POST ${base}/task ${json} -d '{"task": "Go to example.com and tell me the page title"}'`,
          `  curl -s '${base}/task/<id>?event_t=0' -H 'apikey: ${apiKey}'   # until "status" is "done"`,
        ]
      : []),
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
