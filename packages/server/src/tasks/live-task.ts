import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type BrowserPool,
  type FrameSource,
  type PageInput,
  type ProxySettings,
  type TaskContext,
} from '@open-smooth/browser';
import { maskStrings, type Logger, type StepRecord, type TaskStatus, errorMessage } from '@open-smooth/protocol';
import type { BlobStore } from '../blobs/blob-store.js';
import type { TaskMetrics } from '../metrics/server-metrics.js';
import { blobKeys } from '../blobs/blob-keys.js';
import type { ProfileStorage } from '../profiles/profile-storage.js';
import type { CallerTunnel } from '../tunnel/caller-tunnel.js';
import type { TaskRecord, TaskStore } from '../store/task-record.js';
import { actionOutputToWire, creditsFromCost, type AgentRunSettings, type TaskSettings } from '../wire-format.js';
import type { AgentBridge } from './agent-bridge.js';
import { ControlGate } from './control-gate.js';
import { TaskRecorder, type StoppedRecording } from './recording.js';
import { storeRecording } from './recording-blobs.js';
import { safeJsonValue } from './safe-json.js';
import { CommandFailedError, type CommandResult, type SessionCommand } from './session-command.js';
import type { TaskEventLog } from './task-event-log.js';
import { taskLogger } from '../server-logger.js';
import { ToolCallRelay } from './tool-call-relay.js';
import { runBrowserCommand, type AgentRunOutcome } from './session-command-handlers.js';
import { materialiseTaskInputs } from './task-inputs.js';

export interface LiveTaskDependencies {
  store: TaskStore;
  eventLog: TaskEventLog;
  browserPool: () => Promise<BrowserPool>;
  agent: () => Promise<AgentBridge>;
  /**
   * The task's scratch folder on this machine: local copies of its files and extensions, downloads,
   * screenshots and recording frames until they are in the blob store. Removed when the task ends.
   */
  workDirectory: string;
  /** Where what the task keeps goes (downloads, step screenshots, recording) and its inputs come from. */
  blobs: BlobStore;
  metrics: TaskMetrics;
  profiles: ProfileStorage;
  /** The worker running the task: its writes of the task's status are stored only while it holds the task's lease. */
  workerId: string;
  /** The caller's tunnel when the task has proxy_server "self". */
  callerTunnel?: CallerTunnel;
  callerTunnelTimeoutMs: number;
  toolCallTimeoutMs: number;
  sessionIdleTimeoutMs: number;
  /** An evaluate_js script is stopped after this long (the session stays usable). */
  evaluateJsTimeoutMs: number;
  /** A session extract is abandoned after this long. */
  extractTimeoutMs: number;
  /** A command output larger than this, as JSON, is answered with an error naming both sizes. */
  commandOutputMaxBytes: number;
  /** Called once, after the task's final state is stored. */
  onFinished: (taskId: string) => Promise<void>;
  /** Called once its status `running` is stored, before its browser opens (its launch may go, its commands may come). */
  onStarted?: (taskId: string) => Promise<void>;
}

/** What the live view reaches of a running task: its frames, its input and who drives. */
export interface LiveView {
  frames: FrameSource;
  input: PageInput;
  control: ControlGate;
  currentUrl(): string | undefined;
}

interface Finish {
  status: Extract<TaskStatus, 'done' | 'failed' | 'cancelled'>;
  output?: unknown;
  error?: string | null;
}


/**
 * One running task or session: owns its browser context, runs commands one at a time in order,
 * relays custom tool calls, and stores its final state. A one-shot task is a session that runs
 * one `run_task` and closes.
 */
export class LiveTask {
  private readonly abortController = new AbortController();
  private context: TaskContext | undefined;
  /** The context whose vault masks what leaves this task; kept after the context closes. */
  private maskingContext: TaskContext | undefined;
  private commandChain: Promise<void>;
  private releaseStart!: () => void;
  private releaseEnd!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.releaseEnd = resolve));
  private readonly toolCalls: ToolCallRelay;
  private readonly log: Logger;
  private costDollars = 0;
  /** Steps reach the store one at a time, in order, each once its screenshot is a blob; what a run reports waits for its steps. */
  private stepWrites: Promise<void> = Promise.resolve();
  private lastOutput: unknown = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private commandsInFlight = 0;
  private finished = false;
  private recorder: TaskRecorder | undefined;
  private view: LiveView | undefined;
  /** Step screenshots stored so far; numbers their keys. */
  private screenshotsKept = 0;
  /** When the scheduler started it; undefined while it waits. */
  private startedAtMs: number | undefined;
  /** The task's uploaded files as local copies (the agent hands Chromium a path). */
  private localFiles: Array<{ name: string; path: string }> = [];
  /** A person driving through the interactive live view holds the agent between steps. */
  readonly control = new ControlGate();

  constructor(
    readonly record: TaskRecord,
    private readonly settings: TaskSettings,
    private readonly dependencies: LiveTaskDependencies,
  ) {
    this.commandChain = new Promise<void>((resolve) => (this.releaseStart = resolve));
    this.log = taskLogger(record.id);
    this.toolCalls = new ToolCallRelay(
      (id, name, input) => dependencies.eventLog.append(record.id, { id, name: 'tool_call', payload: { name, input: this.masked(input) } }),
      dependencies.toolCallTimeoutMs,
    );
  }

  get id(): string {
    return this.record.id;
  }

  /** Whether it has begun to finish (nothing more is run for it). */
  get hasEnded(): boolean {
    return this.finished;
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

  /** Whether the task holds a browser context now. */
  get hasBrowser(): boolean {
    return this.context !== undefined;
  }

  /** The live view's access to the browser; undefined while the browser is not open. */
  liveView(): LiveView | undefined {
    const context = this.context;
    if (!context) return undefined;
    // One object per open browser, so a viewer can tell when it changed.
    if (this.view?.frames !== context.frames) {
      this.view = { frames: context.frames, input: context.input, control: this.control, currentUrl: () => this.currentUrl() };
    }
    return this.view;
  }

  /** Runs the task (called by the scheduler); resolves once it has ended and freed its slot. */
  async run(): Promise<void> {
    if (this.finished) return;
    const startedAtMs = Date.now();
    this.startedAtMs = startedAtMs;
    if (!(await this.dependencies.store.updateOwnedTask(this.id, this.dependencies.workerId, { status: 'running' }))) {
      // Failed or cancelled elsewhere before it started here: starting would bring it back to life.
      this.log.warn({ workerId: this.dependencies.workerId }, "not started: it is no longer waiting under this worker's lease");
      await this.finish({ status: 'failed' }, { persist: false });
      this.releaseStart();
      await this.dependencies.onFinished(this.id);
      return this.ended;
    }
    this.dependencies.eventLog.notify(this.id);
    // A failure here (the bus or the store unreachable) is logged; the task runs on regardless.
    await this.dependencies.onStarted?.(this.id).catch((error: unknown) => this.log.warn({ err: error }, 'its launch or its commands could not be taken up at its start'));
    try {
      this.context = await this.openContext();
      this.maskingContext = this.context;
    } catch (error) {
      // A navigation failure already says which page and why (the browser itself is fine).
      const reason = error instanceof Error && ['NavigationFailedError', 'CallerTunnelError', 'ProxyNotAllowedError', 'TaskInputMissingError'].includes(error.name) ? error.message : `could not open the browser: ${errorMessage(error)}`;
      await this.finish({ status: 'failed', error: reason });
      this.releaseStart();
      return this.ended;
    }
    if (this.finished) {
      await this.closeContext();
      return this.ended;
    }
    if (this.settings.enableRecording) this.startRecording(this.context, startedAtMs);
    this.releaseStart();
    if (this.settings.agentRun) void this.runOneShot(this.settings.agentRun);
    else this.armIdleTimer();
    return this.ended;
  }

  private startRecording(context: TaskContext, startedAtMs: number): void {
    try {
      // Frames from the first settle on (a task opened with a URL has settled already).
      this.recorder = TaskRecorder.start(context.frames, join(this.dependencies.workDirectory, 'recording-frames'), startedAtMs, context.firstSettled);
    } catch (error) {
      this.log.warn({ err: error }, 'recording could not start');
    }
  }

  /** Stops the recorder before the browser closes; undefined when there is nothing to encode. */
  private async stopRecording(): Promise<StoppedRecording | undefined> {
    const recorder = this.recorder;
    this.recorder = undefined;
    try {
      return await recorder?.stop();
    } catch (error) {
      this.log.warn({ err: error }, 'recording failed');
      return undefined;
    }
  }

  private async openContext(): Promise<TaskContext> {
    const pool = await this.dependencies.browserPool();
    const downloadsDirectory = join(this.dependencies.workDirectory, 'downloads');
    await mkdir(downloadsDirectory, { recursive: true });
    const inputs = await materialiseTaskInputs(this.settings, this.dependencies.blobs, this.dependencies.workDirectory);
    this.localFiles = inputs.files;
    const extensionDirectories = inputs.extensionDirectories;
    const profileId = this.settings.profileId;
    const storageState = profileId === undefined ? undefined : await this.dependencies.profiles.read(this.record.tenant, profileId);
    const proxy = await this.proxySettings();
    return pool.openContext({
      // The context recipe: what Playwright fixes when the context is created.
      device: this.settings.device,
      stealth: this.settings.stealth,
      adblock: this.settings.adblock,
      extensionDirectories,
      showCursor: this.settings.showCursor,
      ...(proxy !== undefined ? { proxy } : {}),
      ...(this.settings.clientCertificates.length > 0 ? { clientCertificates: this.settings.clientCertificates } : {}),
      ...(storageState !== undefined ? { storageState } : {}),
      ...(this.settings.startUrl !== undefined ? { startUrl: this.settings.startUrl } : {}),
      ...(this.settings.allowedUrls !== undefined ? { allowedUrls: this.settings.allowedUrls } : {}),
      downloadsDirectory,
      secrets: this.settings.secrets,
      signal: this.abortController.signal,
      ...this.reuseScope(),
    });
  }

  /** The upstream proxy, or the caller's tunnel once the caller has connected it. */
  private async proxySettings(): Promise<ProxySettings | undefined> {
    const choice = this.settings.proxy;
    if (choice.kind === 'upstream') return choice.proxy;
    if (choice.kind === 'none') return undefined;
    const tunnel = this.dependencies.callerTunnel;
    if (!tunnel) throw new Error('proxy_server "self" without a tunnel');
    const proxy = await tunnel.start();
    await tunnel.waitForCaller(this.dependencies.callerTunnelTimeoutMs, this.abortController.signal);
    return proxy;
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
  private async runAgent(run: AgentRunSettings): Promise<AgentRunOutcome> {
    const context = this.context;
    if (!context) throw new Error('the browser is not open');
    const agent = await this.dependencies.agent();
    const model = agent.resolveModel(run.agentTier);
    const tools = this.toolCalls.forRun(agent);
    const result = await agent.runAgentTask({
      task: run.task,
      taskContext: context,
      model,
      maxSteps: run.maxSteps,
      ...(run.startUrl !== undefined ? { startUrl: run.startUrl } : {}),
      ...(run.responseModel !== undefined ? { responseModel: run.responseModel } : {}),
      ...(run.metadata !== undefined ? { metadata: run.metadata } : {}),
      secrets: this.settings.agentRun ? run.secrets : [...this.settings.secrets, ...run.secrets],
      files: this.localFiles,
      customTools: this.settings.customTools,
      callCustomTool: tools.call,
      ...(this.settings.additionalTools !== undefined ? { additionalTools: this.settings.additionalTools } : {}),
      signal: this.abortController.signal,
      beforeStep: (signal) => this.control.agentTurn(signal),
      artifactsDirectory: join(this.dependencies.workDirectory, 'steps'),
      onStep: (step) => this.keepStep(step),
    });
    await this.stepWrites;
    await this.addCost(result.costDollars);
    const costDollars = result.costDollars;
    if (tools.fatalError !== undefined) return { status: 'failed', output: null, error: tools.fatalError, toolFailed: true, costDollars };
    return { status: result.status, output: result.output, ...(result.error !== undefined ? { error: result.error } : {}), costDollars };
  }

  /** Stores the step once its screenshot is a blob; a screenshot that cannot be stored is logged and left out. */
  private keepStep(step: StepRecord): void {
    this.dependencies.metrics.modelTokens(step.tokensIn, step.tokensOut);
    this.stepWrites = this.stepWrites.then(async () => {
      const { screenshotPath, ...kept } = step;
      let stored: StepRecord = kept;
      if (screenshotPath !== undefined) {
        // Numbered per task, not by the run's step index: a session's second run_task starts at step 1 again.
        this.screenshotsKept += 1;
        const screenshotKey = blobKeys.stepScreenshot(this.id, `${String(this.screenshotsKept).padStart(4, '0')}-${basename(screenshotPath)}`);
        try {
          await this.dependencies.blobs.putFile(screenshotKey, screenshotPath, { move: true });
          stored = { ...kept, screenshotKey };
        } catch (error) {
          this.log.warn({ err: error, step: step.index }, 'could not store the screenshot of a step');
        }
      }
      try {
        await this.dependencies.store.addStep(this.id, stored);
      } catch (error) {
        this.log.error({ err: error, step: step.index }, 'could not store a step');
      }
    });
  }

  private async addCost(dollars: number): Promise<void> {
    this.dependencies.metrics.creditsUsed(creditsFromCost(dollars));
    this.costDollars += dollars;
    await this.dependencies.store.updateTask(this.id, { costDollars: this.costDollars });
  }

  /** The client answered a tool call; false when no call with that id is waiting. */
  answerToolCall(id: string, code: 200 | 400 | 500, output: unknown): boolean {
    return this.toolCalls.answer(id, code, output);
  }

  /**
   * Queues a command behind the ones before it. While the agent waits for a custom tool, the
   * tool's own browser actions run at once (they would otherwise wait behind that very run).
   */
  submit(command: SessionCommand): void {
    this.clearIdleTimer();
    this.commandsInFlight += 1;
    const execute = () =>
      this.execute(command)
        // execute answers every failure itself; anything left is a defect, logged, never a crash.
        .catch((error: unknown) => {
          this.log.error({ err: error, commandId: command.id }, 'a command failed unexpectedly');
        })
        .finally(() => {
          this.commandsInFlight -= 1;
          this.armIdleTimer();
        });
    // `close` with force does not wait for a running command: finishing aborts it.
    const forced = command.action === 'close' && command.force;
    if (forced || (command.eventName === 'browser_action' && (this.toolCalls.isWaiting || !this.isSession))) {
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
      // Whatever a script or model produced becomes plain JSON within the cap, or an error answer.
      output = safeJsonValue(actionOutputToWire({ ...result, durationMs: Date.now() - startedAt }), this.dependencies.commandOutputMaxBytes);
    } catch (error) {
      code = error instanceof CommandFailedError ? error.code : 400;
      output = errorMessage(error);
    }
    if (this.finished && command.action !== 'close') return;
    await this.answer(command, code, this.masked(output));
    // A plain close ran after every earlier command; a forced one may have cut one short.
    if (command.action === 'close') {
      const reuseContext = !command.force && this.commandsInFlight === 1;
      await this.finish({ status: 'done', output: this.lastOutput }, { reuseContext });
    }
  }

  /** Appends a command's answer; should storing it fail, the client still gets an error answer. */
  private async answer(command: SessionCommand, code: 200 | 400 | 500, output: unknown): Promise<void> {
    try {
      await this.dependencies.eventLog.append(this.id, { id: command.id, name: command.eventName, payload: { code, output } });
    } catch (error) {
      this.log.error({ err: error, commandId: command.id }, 'could not store the answer to a command');
      await this.dependencies.eventLog.append(this.id, { id: command.id, name: command.eventName, payload: { code: 500, output: `the answer could not be stored: ${errorMessage(error)}` } });
    }
  }

  private async perform(command: SessionCommand): Promise<CommandResult> {
    if (command.action === 'close') return { output: true, costDollars: 0 };
    const context = this.context;
    if (!context) throw new CommandFailedError(500, 'the browser is not open');
    const result = await runBrowserCommand(command, {
      context,
      signal: this.abortController.signal,
      agent: this.dependencies.agent,
      evaluateJsTimeoutMs: this.dependencies.evaluateJsTimeoutMs,
      extractTimeoutMs: this.dependencies.extractTimeoutMs,
      commandOutputMaxBytes: this.dependencies.commandOutputMaxBytes,
      addCost: (dollars) => this.addCost(dollars),
      runAgent: (run) => this.runAgent(run),
    });
    // A session's final output is its last run's.
    if (command.action === 'run_task') this.lastOutput = result.output;
    return result;
  }

  /**
   * The one boundary for what leaves this task (command answers, tool call events, the final
   * output and error): secret values, in every encoding the vault knows, become placeholders.
   */
  private masked<T>(value: T): T {
    const context = this.maskingContext;
    return context ? maskStrings(value, (text) => context.maskSecrets(text)) : value;
  }

  private armIdleTimer(): void {
    if (!this.isSession || this.finished || this.commandsInFlight > 0) return;
    this.clearIdleTimer();
    const idleSeconds = this.dependencies.sessionIdleTimeoutMs / 1000;
    // Done (nothing went wrong), with the reason in `error` so the client knows why it ended.
    const reason = `the session was closed after ${idleSeconds} s without a command (the idle timeout)`;
    this.idleTimer = setTimeout(
      () => void this.finish({ status: 'done', output: this.lastOutput, error: reason }, { reuseContext: this.commandsInFlight === 0 }),
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
    this.toolCalls.clear();
    // Whatever ended the task (close, failure, cancel, shutdown), the profile keeps what it reached.
    await this.saveProfile();
    if (!persist) {
      await this.stopRecording();
      await this.closeContext();
      await this.removeWorkDirectory();
      return this.releaseEnd();
    }
    await this.collectDownloads();
    // The recorder's last look at the page comes first; its frames reach the disk after the
    // context went back to the pool (the next task of the tenant may be waiting for it).
    await this.recorder?.releasePage();
    await this.closeContext({ reuse: reuseContext && finish.status === 'done' });
    const recording = await this.stopRecording();
    const recordingKept = recording ? await this.keepRecording(recording) : false;
    try {
      await this.stepWrites;
      await this.removeWorkDirectory();
      // Only while this worker still holds the task: a lease sweep that failed it (this worker
      // stalled past its lease) has the last word, and the late result is not stored.
      const stored = await this.dependencies.store.updateOwnedTask(this.id, this.dependencies.workerId, {
        status: finish.status,
        output: this.masked(finish.output ?? null),
        error: finish.error ? this.masked(finish.error) : null,
        costDollars: this.costDollars,
        finishedAtMs: Date.now(),
        // The frames are in the blob store: the video is encoded when first asked for, so its URL is ready now.
        ...(this.settings.enableRecording ? { recording: recordingKept ? ('ready' as const) : ('none' as const) } : {}),
      });
      if (!stored) this.log.warn({ status: finish.status, workerId: this.dependencies.workerId }, "its final state was not stored: the task ended elsewhere or this worker's lease on it lapsed");
      if (this.startedAtMs !== undefined) this.dependencies.metrics.taskFinished(this.record.kind, finish.status, (Date.now() - this.startedAtMs) / 1000);
      await this.dependencies.onFinished(this.id);
    } finally {
      // Whoever waits for the end (the scheduler's slot, shutdown) is not left waiting by a store failure.
      this.releaseEnd();
    }
  }

  private async keepRecording(recording: StoppedRecording): Promise<boolean> {
    try {
      return await storeRecording(this.dependencies.blobs, this.id, recording);
    } catch (error) {
      this.log.error({ err: error }, 'the recording could not be stored');
      return false;
    }
  }

  private async removeWorkDirectory(): Promise<void> {
    // A late write (a step's screenshot of an aborted run) can land between the listing and the rmdir: retried.
    await rm(this.dependencies.workDirectory, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch((error: unknown) => {
      this.log.warn({ err: error }, 'could not remove its scratch folder');
    });
  }

  /** Saves the context's cookies, localStorage and IndexedDB into the profile, unless it is read-only. */
  private async saveProfile(): Promise<void> {
    const context = this.context;
    const profileId = this.settings.profileId;
    if (!context || profileId === undefined || this.settings.profileReadOnly) return;
    try {
      // A task failed elsewhere (this worker stalled past its lease) has let go of the profile's
      // writer lock: another writer may have started since, and this late state must not replace its.
      if (!(await this.stillHeld())) {
        this.log.warn({ profileId }, "profile not saved: the task ended elsewhere, so its writer's lock is gone");
        return;
      }
      const state = await context.captureStorageState();
      await this.dependencies.profiles.write(this.record.tenant, profileId, state);
    } catch (error) {
      // A crashed browser has nothing left to save; the profile keeps its previous state.
      this.log.error({ err: error, profileId }, 'could not save the profile');
    }
  }

  /** Whether this worker still holds the task's lease and the task is live (no other process has ended it). */
  private stillHeld(): Promise<boolean> {
    return this.dependencies.store.updateOwnedTask(this.id, this.dependencies.workerId, {});
  }

  /** Puts what the task downloaded into the blob store, one blob per file, in the order they finished. */
  private async collectDownloads(): Promise<void> {
    const context = this.context;
    if (!context) return;
    try {
      // A click that starts a download just before close has not reported it yet: let it land.
      await context.waitForSettle({ timeoutMs: 2_000 }).catch(() => undefined);
      await context.waitForDownloads();
    } catch {
      // A download that never completed is simply not in the zip.
      return;
    }
    for (const [index, download] of context.downloads.entries()) {
      const blobKey = blobKeys.download(this.id, index + 1, download.suggestedFilename);
      try {
        await this.dependencies.blobs.putFile(blobKey, download.path, { move: true });
        await this.dependencies.store.addDownload(this.id, { url: download.url, fileName: download.suggestedFilename, blobKey, bytes: download.bytes });
      } catch (error) {
        this.log.warn({ err: error, fileName: download.suggestedFilename }, 'could not keep a download');
      }
    }
  }

  private async closeContext(options: { reuse?: boolean } = {}): Promise<void> {
    const context = this.context;
    this.context = undefined;
    await context?.close(options).catch(() => undefined);
  }
}
