import type { DeviceType } from '@open-smooth/sdk';
import { browserSwitches, browserSwitchOptions, browserSwitchUsage, integerOption, listOption, stringOption, type CliCommand, type OptionValues } from '../cli-command.js';
import { UsageError } from '../cli-errors.js';
import { formatOutput } from '../cli-output.js';
import { readJsonObjectArgument } from '../json-argument.js';

const devices: readonly DeviceType[] = ['mobile', 'desktop', 'desktop-lg'];

export const startSessionCommand: CliCommand = {
  name: 'start-session',
  summary: 'Start a browser session that stays open between commands; prints its id',
  usage:
    `smooth start-session [--url URL] [--device mobile|desktop|desktop-lg] [--profile-id ID] [--profile-read-only] [--allowed-urls P1,P2] [--files ID1,ID2] [--enable-recording] [--proxy-server URL] [--proxy-username NAME] [--proxy-password PASSWORD] [--no-proxy] [--no-captcha-solver] ${browserSwitchUsage}   (stealth and adblock are on unless turned off; --use-stealth, --stealth-mode and --use-adblock are the same switches by the API's names; the server refuses, with a reason, an option it cannot honour)`,
  options: {
    url: { type: 'string' },
    device: { type: 'string' },
    'profile-id': { type: 'string' },
    'profile-read-only': { type: 'boolean' },
    'allowed-urls': { type: 'string', multiple: true },
    files: { type: 'string', multiple: true },
    'enable-recording': { type: 'boolean' },
    // The official CLI's browser options: sent as the request fields; the server decides (and says why it refuses).
    'proxy-server': { type: 'string' },
    'proxy-username': { type: 'string' },
    'proxy-password': { type: 'string' },
    'no-proxy': { type: 'boolean' },
    'no-captcha-solver': { type: 'boolean' },
    ...browserSwitchOptions,
  },
  async run({ values, output, client }) {
    const device = stringOption(values, 'device');
    if (device !== undefined && !devices.includes(device as DeviceType)) {
      throw new UsageError(`--device must be one of ${devices.join(', ')}`);
    }
    const { stealth, adblock } = browserSwitches(values);
    const session = await (await client()).session({
      url: stringOption(values, 'url'),
      device: device as DeviceType | undefined,
      profileId: stringOption(values, 'profile-id'),
      profileReadOnly: values['profile-read-only'] === true ? true : undefined,
      allowedUrls: listOption(values, 'allowed-urls'),
      files: listOption(values, 'files'),
      // Like the official CLI: sessions are not recorded unless asked.
      enableRecording: values['enable-recording'] === true,
      ...proxyOptions(values),
      useCaptchaSolver: values['no-captcha-solver'] === true ? false : undefined,
      ...(stealth !== undefined ? { useStealth: stealth } : {}),
      ...(adblock !== undefined ? { useAdblock: adblock } : {}),
    });
    let liveUrl: string | null = null;
    try {
      liveUrl = await session.liveUrl({ interactive: true, timeout: 30 });
    } catch (error) {
      output.progress(`Warning: could not get the live URL: ${(error as Error).message}`);
    }
    output.result('Session started', { session_id: session.id(), ...(liveUrl ? { live_url: liveUrl } : {}) }, [
      'Session started successfully!',
      `Session ID: ${session.id()}`,
      ...(liveUrl ? [`Live URL: ${liveUrl}`] : []),
      '',
      `Session is running. Use 'smooth close-session ${session.id()}' to close it.`,
    ]);
    return 0;
  },
};

/** `--no-proxy` wins over the proxy flags, as in the official CLI. */
function proxyOptions(values: OptionValues): { proxyServer?: string; proxyUsername?: string; proxyPassword?: string } {
  if (values['no-proxy'] === true) return {};
  const proxyServer = stringOption(values, 'proxy-server');
  const proxyUsername = stringOption(values, 'proxy-username');
  const proxyPassword = stringOption(values, 'proxy-password');
  return { ...(proxyServer ? { proxyServer } : {}), ...(proxyUsername ? { proxyUsername } : {}), ...(proxyPassword ? { proxyPassword } : {}) };
}

export const closeSessionCommand: CliCommand = {
  name: 'close-session',
  summary: 'Close a session (graceful by default: the commands in progress finish first)',
  usage: 'smooth close-session <session-id> [--force]',
  options: { force: { type: 'boolean' } },
  positionals: ['session-id'],
  async run({ positionals, values, output, client }) {
    const [sessionId = ''] = positionals;
    const force = values.force === true;
    await (await client()).sessionHandle(sessionId).close(force);
    output.result('Session closed', { session_id: sessionId, force }, [`Session '${sessionId}' closed successfully!`]);
    return 0;
  },
};

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run an agent task in a session, from its current page',
  usage:
    'smooth run <session-id> "<task>" [--url URL] [--max-steps N] [--schema JSON|FILE] [--metadata JSON|FILE]   (--response-model is an alias of --schema)',
  options: {
    url: { type: 'string' },
    'max-steps': { type: 'string' },
    schema: { type: 'string' },
    'response-model': { type: 'string' },
    metadata: { type: 'string' },
  },
  positionals: ['session-id', 'task'],
  async run({ positionals, values, output, client }) {
    const [sessionId = '', task = ''] = positionals;
    const schemaSource = stringOption(values, 'schema') ?? stringOption(values, 'response-model');
    const metadataSource = stringOption(values, 'metadata');
    const responseModel = schemaSource ? await readJsonObjectArgument('--schema', schemaSource) : undefined;
    const metadata = metadataSource ? await readJsonObjectArgument('--metadata', metadataSource) : undefined;
    const maxSteps = integerOption(values, 'max-steps');
    output.progress(`Running task in session '${sessionId}': ${task}`);
    const result = await (await client()).sessionHandle(sessionId).runTask({
      task,
      url: stringOption(values, 'url'),
      maxSteps,
      responseModel,
      metadata: metadata as Record<string, string | number | boolean> | undefined,
    });
    output.result('Task completed', { session_id: sessionId, result: result.output, credits_used: result.creditsUsed, duration: result.duration }, [formatOutput(result.output)]);
    return 0;
  },
};

export const gotoCommand: CliCommand = {
  name: 'goto',
  summary: "Open a URL in the session's browser",
  usage: 'smooth goto <session-id> <url>',
  options: {},
  positionals: ['session-id', 'url'],
  async run({ positionals, output, client }) {
    const [sessionId = '', url = ''] = positionals;
    const result = await (await client()).sessionHandle(sessionId).goto(url);
    output.result('Navigated', { session_id: sessionId, url, credits_used: result.creditsUsed, duration: result.duration }, [`Opened ${url}`]);
    return 0;
  },
};

export const extractCommand: CliCommand = {
  name: 'extract',
  summary: 'Extract data matching a JSON schema from the current page (no agent steps)',
  usage: 'smooth extract <session-id> --schema JSON|FILE [--prompt TEXT] [--url URL]',
  options: { schema: { type: 'string' }, prompt: { type: 'string' }, url: { type: 'string' } },
  positionals: ['session-id'],
  async run({ positionals, values, output, client }) {
    const [sessionId = ''] = positionals;
    const schemaSource = stringOption(values, 'schema');
    if (!schemaSource) throw new UsageError('--schema is required');
    const schema = await readJsonObjectArgument('--schema', schemaSource);
    const session = (await client()).sessionHandle(sessionId);
    const url = stringOption(values, 'url');
    if (url) {
      output.progress(`Navigating to ${url}...`);
      await session.goto(url);
    }
    output.progress(`Extracting data from session '${sessionId}'...`);
    const result = await session.extract(schema, stringOption(values, 'prompt'));
    output.result('Data extracted', { session_id: sessionId, data: result.output, credits_used: result.creditsUsed, duration: result.duration }, [formatOutput(result.output)]);
    return 0;
  },
};

export const evaluateJsCommand: CliCommand = {
  name: 'evaluate-js',
  summary: 'Evaluate JavaScript in the page: an expression, or a function given --args',
  usage: 'smooth evaluate-js <session-id> "<js>" [--args JSON]',
  options: { args: { type: 'string' } },
  positionals: ['session-id', 'js'],
  async run({ positionals, values, output, client }) {
    const [sessionId = '', code = ''] = positionals;
    const argumentsSource = stringOption(values, 'args');
    const args = argumentsSource ? await readJsonObjectArgument('--args', argumentsSource) : undefined;
    const result = await (await client()).sessionHandle(sessionId).evaluateJs(code, args);
    output.result('JavaScript evaluated', { session_id: sessionId, result: result.output, credits_used: result.creditsUsed, duration: result.duration }, [formatOutput(result.output)]);
    return 0;
  },
};
