import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CustomToolCall } from '@open-smooth/agent';
import type { BrowserPool, TaskContext } from '@open-smooth/browser';
import type { TaskStatus } from '@open-smooth/protocol';
import type { TaskRecord, TaskStore } from '../store/task-record.js';
import { actionOutputToWire, type AgentRunSettings, type TaskSettings } from '../wire-format.js';
import type { AgentBridge } from './agent-bridge.js';
import { evaluateJsExpression } from './evaluate-js-expression.js';
import { CommandFailedError, type CommandResult, type SessionCommand } from './session-command.js';
import type { TaskEventLog } from './task-event-log.js';

export interface LiveTaskDependencies {
  store: TaskStore;
  eventLog: TaskEventLog;
  browserPool: () => Promise<BrowserPool>;
  agent: () => Promise<AgentBridge>;
  /** Where the task's downloads and step screenshots go. */
  taskDirectory: string;
  toolCallTimeoutMs: number;
  sessionIdleTimeoutMs: number;
  /** Called once, after the task's final state is stored. */
  onFinished: (taskId: string) => void;
}

interface PendingToolCall {
  name: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Finish {
  status: Extract<TaskStatus, 'done' | 'failed' | 'cancelled'>;
  output?: unknown;
  error?: string | null;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Tool answers are free-form; the agent gets text. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * One running task or session: owns its browser context, runs commands one at a time in order,
 * relays custom tool calls, and stores its final state. A one-shot task is a session that runs
 * one `run_task` and closes.
 */
export class LiveTask {
  private readonly abortController = new AbortController();
  private context: TaskContext | undefined;
  private commandChain: Promise<void>;
  private releaseStart!: () => void;
  private releaseEnd!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.releaseEnd = resolve));
  private readonly pendingToolCalls = new Map<string, PendingToolCall>();
  private costDollars = 0;
  private lastOutput: unknown = null;
  /** A custom tool answered 500 or never answered: the run fails with this reason. */
  private fatalToolError: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private commandsInFlight = 0;
  private finished = false;

  constructor(
    readonly record: TaskRecord,
    private readonly settings: TaskSettings,
    private readonly dependencies: LiveTaskDependencies,
  ) {
    this.commandChain = new Promise<void>((resolve) => (this.releaseStart = resolve));
  }

  get id(): string {
    return this.record.id;
  }

  get isSession(): boolean {
    return this.record.kind === 'session';
  }

  /** The URL the browser shows, for the live page. */
  currentUrl(): string | undefined {
    try {
      return this.context?.page.url();
    } catch {
      return undefined;
    }
  }

  /** Runs the task (called by the scheduler); resolves once it has ended and freed its slot. */
  async run(): Promise<void> {
    if (this.finished) return;
    this.dependencies.store.updateTask(this.id, { status: 'running' });
    this.dependencies.eventLog.notify(this.id);
    try {
      this.context = await this.openContext();
    } catch (error) {
      await this.finish({ status: 'failed', error: `could not open the browser: ${errorMessage(error)}` });
      this.releaseStart();
      return this.ended;
    }
    if (this.finished) {
      await this.closeContext();
      return this.ended;
    }
    this.releaseStart();
    if (this.settings.agentRun) void this.runOneShot(this.settings.agentRun);
    else this.armIdleTimer();
    return this.ended;
  }

  private async openContext(): Promise<TaskContext> {
    const pool = await this.dependencies.browserPool();
    const downloadsDirectory = join(this.dependencies.taskDirectory, 'downloads');
    await mkdir(downloadsDirectory, { recursive: true });
    return pool.openContext({
      device: this.settings.device,
      stealth: this.settings.stealth,
      adblock: this.settings.adblock,
      ...(this.settings.startUrl !== undefined ? { startUrl: this.settings.startUrl } : {}),
      ...(this.settings.allowedUrls !== undefined ? { allowedUrls: this.settings.allowedUrls } : {}),
      downloadsDirectory,
      secrets: this.settings.secrets,
      signal: this.abortController.signal,
      ...this.reuseScope(),
    });
  }

  /**
   * A context this task is done with may serve the same tenant's next task (the pool wipes it
   * first), but never another tenant's, and never one that carries a profile or extensions.
   */
  private reuseScope(): { reuseScope?: string } {
    if (this.settings.profileId !== undefined || this.settings.extensionIds.length > 0) return {};
    return { reuseScope: this.record.tenant };
  }

  private async runOneShot(run: AgentRunSettings): Promise<void> {
    try {
      const result = await this.runAgent(run);
      // Nothing of the run is left running against the page unless a tool's browser action is.
      await this.finish({ status: result.status, output: result.output, error: result.error ?? null }, { reuseContext: this.commandsInFlight === 0 });
    } catch (error) {
      await this.finish({ status: 'failed', error: errorMessage(error) });
    }
  }

  /** One agent run in this task's browser; a fatal tool error overrides what the agent said. */
  private async runAgent(run: AgentRunSettings): Promise<{ status: Finish['status']; output: unknown; error?: string }> {
    const context = this.context;
    if (!context) throw new Error('the browser is not open');
    const agent = await this.dependencies.agent();
    const model = agent.resolveModel(run.agentTier);
    this.fatalToolError = undefined;
    // Secrets given to one run_task join the context's vault, so the browser can type them.
    if (run.secrets.length > 0 && !this.settings.agentRun) context.addSecrets(run.secrets);
    const result = await agent.runAgentTask({
      task: run.task,
      taskContext: context,
      model,
      maxSteps: run.maxSteps,
      ...(run.startUrl !== undefined ? { startUrl: run.startUrl } : {}),
      ...(run.responseModel !== undefined ? { responseModel: run.responseModel } : {}),
      ...(run.metadata !== undefined ? { metadata: run.metadata } : {}),
      secrets: this.settings.agentRun ? run.secrets : [...this.settings.secrets, ...run.secrets],
      files: this.settings.files,
      customTools: this.settings.customTools,
      callCustomTool: (call, signal) => this.callCustomTool(call, signal, agent),
      ...(this.settings.additionalTools !== undefined ? { additionalTools: this.settings.additionalTools } : {}),
      signal: this.abortController.signal,
      artifactsDirectory: join(this.dependencies.taskDirectory, 'steps'),
      onStep: (step) => this.dependencies.store.addStep(this.id, step),
    });
    this.addCost(result.costDollars);
    if (this.fatalToolError !== undefined) return { status: 'failed', output: null, error: this.fatalToolError };
    return { status: result.status, output: result.output, ...(result.error !== undefined ? { error: result.error } : {}) };
  }

  private addCost(dollars: number): void {
    this.costDollars += dollars;
    this.dependencies.store.updateTask(this.id, { costDollars: this.costDollars });
  }

  /** Sends a `tool_call` event and waits for the client's answer with the same id. */
  private callCustomTool(call: CustomToolCall, signal: AbortSignal, agent: AgentBridge): Promise<unknown> {
    const id = `tool_${randomBytes(9).toString('base64url')}`;
    return new Promise((resolve, reject) => {
      const failFatally = (message: string) => {
        this.fatalToolError = message;
        reject(agent.customToolError(500, message));
      };
      const timer = setTimeout(() => {
        this.pendingToolCalls.delete(id);
        failFatally(`custom tool "${call.name}" got no answer within ${this.dependencies.toolCallTimeoutMs / 1000} s`);
      }, this.dependencies.toolCallTimeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.pendingToolCalls.delete(id);
        reject(agent.customToolError(500, 'the task was stopped while waiting for a custom tool'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pendingToolCalls.set(id, {
        name: call.name,
        timer,
        resolve: (output) => {
          signal.removeEventListener('abort', onAbort);
          resolve(output);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.dependencies.eventLog.append(this.id, { id, name: 'tool_call', payload: { name: call.name, input: call.input } });
    });
  }

  /** The client answered a tool call; false when no call with that id is waiting. */
  answerToolCall(id: string, code: 200 | 400 | 500, output: unknown, agent: AgentBridge): boolean {
    const pending = this.pendingToolCalls.get(id);
    if (!pending) return false;
    this.pendingToolCalls.delete(id);
    clearTimeout(pending.timer);
    if (code === 200) pending.resolve(output);
    else if (code === 400) pending.reject(agent.customToolError(400, textOf(output)));
    else {
      this.fatalToolError = `custom tool "${pending.name}" failed: ${textOf(output)}`;
      pending.reject(agent.customToolError(500, this.fatalToolError));
    }
    return true;
  }

  get isWaitingForTool(): boolean {
    return this.pendingToolCalls.size > 0;
  }

  /**
   * Queues a command behind the ones before it. While the agent waits for a custom tool, the
   * tool's own browser actions run at once (they would otherwise wait behind that very run).
   */
  submit(command: SessionCommand): void {
    this.clearIdleTimer();
    this.commandsInFlight += 1;
    const execute = () => this.execute(command).finally(() => {
      this.commandsInFlight -= 1;
      this.armIdleTimer();
    });
    // `close` with force does not wait for a running command: finishing aborts it.
    const forced = command.action === 'close' && command.force;
    if (forced || (command.eventName === 'browser_action' && (this.isWaitingForTool || !this.isSession))) {
      void execute();
      return;
    }
    this.commandChain = this.commandChain.then(execute);
  }

  private async execute(command: SessionCommand): Promise<void> {
    if (this.finished) return;
    const startedAt = Date.now();
    let code: 200 | 400 | 500 = 200;
    let output: unknown;
    try {
      const result = await this.perform(command);
      output = actionOutputToWire({ ...result, durationMs: Date.now() - startedAt });
    } catch (error) {
      code = error instanceof CommandFailedError ? error.code : 400;
      output = errorMessage(error);
    }
    if (this.finished && command.action !== 'close') return;
    this.dependencies.eventLog.append(this.id, { id: command.id, name: command.eventName, payload: { code, output } });
    // A plain close ran after every earlier command; a forced one may have cut one short.
    if (command.action === 'close') {
      const reuseContext = !command.force && this.commandsInFlight === 1;
      await this.finish({ status: 'done', output: this.lastOutput }, { reuseContext });
    }
  }

  private async perform(command: SessionCommand): Promise<CommandResult> {
    if (command.action === 'close') return { output: true, costDollars: 0 };
    const context = this.context;
    if (!context) throw new CommandFailedError(500, 'the browser is not open');
    const signal = this.abortController.signal;
    switch (command.action) {
      case 'goto':
        await context.goto(command.url, { signal });
        return { costDollars: 0 };
      case 'evaluate_js': {
        const value: unknown = await context.page.evaluate(evaluateJsExpression(command.js, command.args));
        // Script that clicks or navigates has effects (a download, a new page) that the next command must see.
        await context.waitForSettle({ signal });
        return { output: value ?? null, costDollars: 0 };
      }
      case 'extract': {
        const agent = await this.dependencies.agent();
        const result = await agent.extractFromPage({
          page: context.page,
          schema: command.schema,
          prompt: command.prompt ?? null,
          model: agent.resolveModel('smooth'),
          signal,
        });
        this.addCost(result.costDollars);
        return { output: result.output, costDollars: result.costDollars };
      }
      case 'run_task': {
        const costBefore = this.costDollars;
        const result = await this.runAgent(command.run);
        if (result.status !== 'done') throw new CommandFailedError(this.fatalToolError ? 500 : 400, result.error ?? `the task ended ${result.status}`);
        this.lastOutput = result.output;
        return { output: result.output, costDollars: this.costDollars - costBefore };
      }
    }
  }

  private armIdleTimer(): void {
    if (!this.isSession || this.finished || this.commandsInFlight > 0) return;
    this.clearIdleTimer();
    this.idleTimer = setTimeout(
      () => void this.finish({ status: 'done', output: this.lastOutput }, { reuseContext: this.commandsInFlight === 0 }),
      this.dependencies.sessionIdleTimeoutMs,
    );
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Stops the task now (DELETE /task/{id} or server shutdown). */
  cancel(reason: string): Promise<void> {
    return this.finish({ status: 'cancelled', error: reason });
  }

  /**
   * Server shutdown: frees the browser but stores nothing, exactly as a crash would leave the
   * task; the next start marks it failed with the restart reason.
   */
  abandon(): Promise<void> {
    return this.finish({ status: 'failed' }, { persist: false });
  }

  private async finish(finish: Finish, { persist = true, reuseContext = false }: { persist?: boolean; reuseContext?: boolean } = {}): Promise<void> {
    // A second caller (shutdown during a graceful close, say) waits for the first to be done,
    // so nothing writes to the store after the server has closed it.
    if (this.finished) return this.ended;
    this.finished = true;
    this.clearIdleTimer();
    this.abortController.abort(new Error(finish.error ?? `task ${finish.status}`));
    for (const [id, pending] of this.pendingToolCalls) {
      clearTimeout(pending.timer);
      this.pendingToolCalls.delete(id);
    }
    if (!persist) {
      await this.closeContext();
      return this.releaseEnd();
    }
    await this.collectDownloads();
    await this.closeContext({ reuse: reuseContext && finish.status === 'done' });
    this.dependencies.store.updateTask(this.id, {
      status: finish.status,
      output: finish.output ?? null,
      error: finish.error ?? null,
      costDollars: this.costDollars,
      finishedAtMs: Date.now(),
    });
    this.dependencies.onFinished(this.id);
    this.releaseEnd();
  }

  private async collectDownloads(): Promise<void> {
    const context = this.context;
    if (!context) return;
    try {
      // A click that starts a download just before close has not reported it yet: let it land.
      await context.waitForSettle({ timeoutMs: 2_000 }).catch(() => undefined);
      await context.waitForDownloads();
      for (const download of context.downloads) {
        this.dependencies.store.addDownload(this.id, {
          url: download.url,
          fileName: download.suggestedFilename,
          path: download.path,
          bytes: download.bytes,
        });
      }
    } catch {
      // A download that never completed is simply not in the zip.
    }
  }

  private async closeContext(options: { reuse?: boolean } = {}): Promise<void> {
    const context = this.context;
    this.context = undefined;
    await context?.close(options).catch(() => undefined);
  }
}
