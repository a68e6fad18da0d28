import { InvalidNetworkAllowanceError, PrivateNetworkAllowance } from '@open-smooth/browser/network-policy-ranges';
import { deviceSchema, maxStepsSchema } from '@open-smooth/protocol';
import { browserSwitches, browserSwitchOptions, browserSwitchUsage, stringOption, type CliCommand } from '../cli-command.js';
import { UsageError } from '../cli-errors.js';
import { readJsonObjectArgument } from '../json-argument.js';

/** run-task runs on the user's own machine, for the user: local sites (dev servers) are fair game. */
const localPrivateNetwork = '127.0.0.0/8,::1';

export const runTaskCommand: CliCommand = {
  name: 'run-task',
  summary: 'Run one task locally, without a server (the model from SMOOTH_MODEL_* env vars)',
  usage: `smooth run-task "<task>" [--url URL] [--schema FILE|JSON] [--max-steps N] [--device desktop|desktop-lg|mobile] [--agent smooth|smooth-lite] [--allow-private-network HOSTS_AND_CIDRS] ${browserSwitchUsage}
  Progress per step on stderr, the answer on stdout. --allow-private-network: private hosts/ranges the task may reach
  (default ${localPrivateNetwork}, loopback; "" for none). Link-local and cloud metadata addresses and non-http(s) URLs are never reachable.`,
  options: {
    url: { type: 'string' },
    schema: { type: 'string' },
    'max-steps': { type: 'string' },
    device: { type: 'string' },
    agent: { type: 'string' },
    'allow-private-network': { type: 'string' },
    ...browserSwitchOptions,
  },
  positionals: ['task'],
  // The task may come unquoted, as several words.
  variadic: true,
  async run({ positionals, values }) {
    const task = positionals.join(' ').trim();
    if (!task) throw new UsageError('run-task needs a task, e.g. smooth run-task "find the cheapest flight"');
    const maxSteps = maxStepsSchema.safeParse(Number(stringOption(values, 'max-steps') ?? 32));
    if (!maxSteps.success) throw new UsageError('--max-steps must be a whole number from 2 to 128');
    const device = deviceSchema.safeParse(stringOption(values, 'device') ?? 'desktop');
    if (!device.success) throw new UsageError('--device must be desktop, desktop-lg or mobile');
    const agent = stringOption(values, 'agent') ?? 'smooth';
    if (agent !== 'smooth' && agent !== 'smooth-lite') throw new UsageError('--agent must be smooth or smooth-lite');
    let allowPrivateNetwork: PrivateNetworkAllowance;
    try {
      allowPrivateNetwork = PrivateNetworkAllowance.parse(stringOption(values, 'allow-private-network') ?? localPrivateNetwork);
    } catch (error) {
      if (error instanceof InvalidNetworkAllowanceError) throw new UsageError(`--allow-private-network: ${error.message}`);
      throw error;
    }
    const schemaSource = stringOption(values, 'schema');
    const schema = schemaSource ? await readJsonObjectArgument('--schema', schemaSource) : undefined;
    const url = stringOption(values, 'url');
    // Loaded only when used: it starts Chromium and the model.
    const { runLocalTask } = await import('./run-task.js');
    const switches = browserSwitches(values);
    return runLocalTask({ task, maxSteps: maxSteps.data, device: device.data, agent, allowPrivateNetwork, json: values.json === true, ...switches, ...(url ? { url } : {}), ...(schema ? { schema } : {}) });
  },
};
