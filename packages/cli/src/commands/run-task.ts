import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserPool, type PrivateNetworkAllowance } from '@open-smooth/browser';
import { ModelNotConfiguredError, creditsFromDollars, modelSettingsFromEnvironment, resolveModel, runAgentTask } from '@open-smooth/agent';
import type { AgentTier, Device, StepRecord } from '@open-smooth/protocol';
import { UsageError } from '../cli-errors.js';

/** What `smooth run-task` was asked, checked by runTaskCommand. */
export interface LocalTaskRequest {
  task: string;
  url?: string;
  schema?: Record<string, unknown>;
  maxSteps: number;
  device: Device;
  agent: AgentTier;
  allowPrivateNetwork: PrivateNetworkAllowance;
  json: boolean;
  /** Undefined: on, as on the server. */
  stealth?: boolean;
  adblock?: boolean;
}

/**
 * Runs one task on this machine (loaded only by `smooth run-task`: it starts Chromium and the
 * model): progress per step on stderr, the answer on stdout. Returns the exit code.
 */
export async function runLocalTask(request: LocalTaskRequest): Promise<number> {
  let model;
  try {
    model = resolveModel(modelSettingsFromEnvironment(process.env), request.agent);
  } catch (error) {
    if (error instanceof ModelNotConfiguredError) throw new UsageError(error.message);
    throw error;
  }
  const workDirectory = await mkdtemp(join(tmpdir(), 'smooth-run-'));
  const pool = await BrowserPool.launch({ allowPrivateNetwork: request.allowPrivateNetwork });
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const taskContext = await pool.openContext({
      device: request.device,
      downloadsDirectory: join(workDirectory, 'downloads'),
      ...(request.stealth !== undefined ? { stealth: request.stealth } : {}),
      ...(request.adblock !== undefined ? { adblock: request.adblock } : {}),
    });
    const result = await runAgentTask({
      task: request.task,
      taskContext,
      model,
      maxSteps: request.maxSteps,
      ...(request.url ? { startUrl: request.url } : {}),
      ...(request.schema ? { responseModel: request.schema } : {}),
      signal: controller.signal,
      onStep: (step) => process.stderr.write(`${describeStep(step, request.maxSteps)}\n`),
    });
    const downloads = await taskContext.waitForDownloads();
    await taskContext.close();
    const credits = Math.ceil(creditsFromDollars(result.costDollars));
    if (request.json) {
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
