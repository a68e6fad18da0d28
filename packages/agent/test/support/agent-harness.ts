import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserPool, type BrowserPoolOptions, type TaskContext, type TaskContextOptions } from '@open-smooth/browser';
import {
  modelSettingsFromEnvironment,
  resolveModel,
  runAgentTask,
  type AgentTaskOptions,
  type AgentTaskResult,
} from '../../src/index.js';
import {
  loopbackNetworkAllowance,
  startFixtureServer,
  startScriptedModelServer,
  type FixtureServer,
  type ScriptedModelServer,
  type ScriptedPolicy,
} from '@open-smooth/testkit';

export interface HarnessRun {
  result: AgentTaskResult;
  taskContext: TaskContext;
  workDirectory: string;
}

export interface RunOptions extends Partial<Omit<AgentTaskOptions, 'taskContext' | 'model'>> {
  context?: Partial<Omit<TaskContextOptions, 'downloadsDirectory'>>;
  /** Keep the context open after the run (the caller closes it). */
  keepOpen?: boolean;
  /** Extra SMOOTH_* variables for the model settings, e.g. SMOOTH_MODEL_VISION. */
  modelEnvironment?: Record<string, string>;
}

/** Real Chromium, real fixture sites, the scripted model behind the real provider code. */
export class AgentHarness {
  private readonly directories: string[] = [];

  private constructor(
    readonly fixtures: FixtureServer,
    readonly model: ScriptedModelServer,
    readonly pool: BrowserPool,
  ) {}

  /** Tasks may reach loopback (the fixture sites) unless `poolOptions.allowPrivateNetwork` says otherwise. */
  static async start(poolOptions: BrowserPoolOptions = {}): Promise<AgentHarness> {
    const [fixtures, model, pool] = await Promise.all([
      startFixtureServer(),
      startScriptedModelServer(() => ({ text: 'no policy set' })),
      BrowserPool.launch({ warmContextsPerDevice: 1, allowPrivateNetwork: loopbackNetworkAllowance, ...poolOptions }),
    ]);
    return new AgentHarness(fixtures, model, pool);
  }

  async run(task: string, policy: ScriptedPolicy, options: RunOptions = {}): Promise<HarnessRun> {
    this.model.setPolicy(policy);
    const workDirectory = await mkdtemp(join(tmpdir(), 'agent-test-'));
    this.directories.push(workDirectory);
    const taskContext = await this.pool.openContext({ downloadsDirectory: join(workDirectory, 'downloads'), ...options.context });
    const { context: _context, keepOpen, modelEnvironment, ...agentOptions } = options;
    const model = resolveModel(modelSettingsFromEnvironment(this.model.environment(modelEnvironment)), 'smooth');
    try {
      const result = await runAgentTask({
        task,
        taskContext,
        model,
        maxSteps: 12,
        artifactsDirectory: join(workDirectory, 'steps'),
        ...agentOptions,
      });
      return { result, taskContext, workDirectory };
    } finally {
      if (!keepOpen) await taskContext.close();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pool.close(), this.fixtures.close(), this.model.close()]);
    await Promise.all(this.directories.map((directory) => rm(directory, { recursive: true, force: true })));
  }
}

/** The URL line of the observation the agent sent in its last message. */
export function observedUrl(observationText: string): string {
  return /^url: (.*)$/m.exec(observationText)?.[1] ?? '';
}
