import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BrowserPool, InvalidNetworkAllowanceError, PrivateNetworkAllowance } from '@open-smooth/browser';
import { creditsFromDollars, modelSettingsFromEnvironment, resolveModel, runAgentTask } from '@open-smooth/agent';
import { deviceSchema, maxStepsSchema, type StepRecord } from '@open-smooth/protocol';

/** run-task runs on the user's own machine, for the user: local sites (dev servers) are fair game. */
const localPrivateNetwork = '127.0.0.0/8,::1';

export const runTaskUsage = `Usage: smooth run-task "<task>" [--url URL] [--schema FILE|JSON] [--max-steps N] [--device desktop|desktop-lg|mobile] [--agent smooth|smooth-lite] [--allow-private-network HOSTS_AND_CIDRS] [--json]

Runs one task locally (no server): a warm Chromium, the model from SMOOTH_MODEL_* env vars.
--allow-private-network: private hosts/ranges the task may reach (default ${localPrivateNetwork}, loopback; "" for none).
Link-local and cloud metadata addresses and non-http(s) URLs (file:, chrome:, ...) are never reachable.`;

class UsageError extends Error {}

/** `smooth run-task`: progress per step on stderr, the answer on stdout. Returns the exit code. */
export async function runTaskCommand(argv: string[]): Promise<number> {
  let parsed;
  let schema: Record<string, unknown> | undefined;
  try {
    parsed = parseRunTaskArguments(argv);
    if (parsed.schemaSource) schema = await readSchemaArgument(parsed.schemaSource);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${runTaskUsage}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${runTaskUsage}\n`);
    return 0;
  }
  let model;
  try {
    model = resolveModel(modelSettingsFromEnvironment(process.env), parsed.agent);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const workDirectory = await mkdtemp(join(tmpdir(), 'smooth-run-'));
  const pool = await BrowserPool.launch({ allowPrivateNetwork: parsed.allowPrivateNetwork });
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const taskContext = await pool.openContext({ device: parsed.device, downloadsDirectory: join(workDirectory, 'downloads') });
    const result = await runAgentTask({
      task: parsed.task,
      taskContext,
      model,
      maxSteps: parsed.maxSteps,
      ...(parsed.url ? { startUrl: parsed.url } : {}),
      ...(schema ? { responseModel: schema } : {}),
      signal: controller.signal,
      onStep: (step) => process.stderr.write(`${describeStep(step, parsed.maxSteps)}\n`),
    });
    const downloads = await taskContext.waitForDownloads();
    await taskContext.close();
    const credits = Math.ceil(creditsFromDollars(result.costDollars));
    if (parsed.json) {
      process.stdout.write(
        `${JSON.stringify({ status: result.status, output: result.output, error: result.error ?? null, credits_used: credits, steps: result.steps.length, downloads: downloads.map((file) => file.path) })}\n`,
      );
    } else if (result.status === 'done') {
      process.stdout.write(`${typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2)}\n`);
    } else {
      process.stderr.write(`Task ${result.status}: ${result.error ?? 'no reason given'}\n`);
    }
    return result.status === 'done' ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await pool.close();
    await rm(workDirectory, { recursive: true, force: true }).catch(() => undefined);
  }
}

function describeStep(step: StepRecord, maxSteps: number): string {
  const actions = step.actions.map((action) => `${action.name}${action.ok ? '' : ' (failed)'}`).join(', ') || 'no action';
  return `step ${step.index}/${maxSteps}  ${actions}  ${step.url}`;
}

function parseRunTaskArguments(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      'max-steps': { type: 'string' },
      device: { type: 'string' },
      agent: { type: 'string' },
      'allow-private-network': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const task = positionals.join(' ').trim();
  if (!values.help && !task) throw new UsageError('run-task needs a task, e.g. smooth run-task "find the cheapest flight"');
  const maxSteps = maxStepsSchema.safeParse(Number(values['max-steps'] ?? 32));
  if (!maxSteps.success) throw new UsageError('--max-steps must be a whole number from 2 to 128');
  const device = deviceSchema.safeParse(values.device ?? 'desktop');
  if (!device.success) throw new UsageError('--device must be desktop, desktop-lg or mobile');
  const agent = values.agent ?? 'smooth';
  if (agent !== 'smooth' && agent !== 'smooth-lite') throw new UsageError('--agent must be smooth or smooth-lite');
  let allowPrivateNetwork: PrivateNetworkAllowance;
  try {
    allowPrivateNetwork = PrivateNetworkAllowance.parse(values['allow-private-network'] ?? localPrivateNetwork);
  } catch (error) {
    if (error instanceof InvalidNetworkAllowanceError) throw new UsageError(`--allow-private-network: ${error.message}`);
    throw error;
  }
  return {
    help: values.help === true,
    allowPrivateNetwork,
    task,
    url: values.url,
    schemaSource: values.schema,
    maxSteps: maxSteps.data,
    device: device.data,
    agent: agent as 'smooth' | 'smooth-lite',
    json: values.json === true,
  };
}

async function readSchemaArgument(source: string): Promise<Record<string, unknown>> {
  const text = source.trim().startsWith('{') ? source : await readFile(source, 'utf8');
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--schema must be a JSON object (a JSON schema)');
  return value as Record<string, unknown>;
}
