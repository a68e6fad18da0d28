import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateText, type GenerateTextResult, type ModelMessage, type ToolSet, type UserContent } from 'ai';
import { maskStrings, type StepRecord } from '@open-smooth/protocol';
import type { TaskContext } from '@open-smooth/browser';
import { actionsForTask } from './actions/action-registry.js';
import { TaskFailedError, type ActionContext, type AnyAction, type ActionImage } from './actions/action.js';
import type { AgentTaskOptions, AgentTaskResult } from './agent-task-options.js';
import { elementListSignature, runBatch, type BatchResult } from './batch.js';
import { LoopGuard } from './loop-guard.js';
import { assistantMessage, toolMessages } from './model-messages.js';
import { costInDollars, maskModelInput, tokenUsageFromSdk, type TokenUsage } from './model/index.js';
import { observePage, type Observation } from './observation/index.js';
import { compileResponseModel, type OutputValidator } from './output-validator.js';
import { toolCallsOf, type ModelToolCall } from './run-action.js';
import { stepPrompt } from './step-prompt.js';
import { stopConditions } from './stop-conditions.js';
import { systemPrompt } from './system-prompt.js';
import { taskPrompt } from './task-prompt.js';
import { toolSetFor } from './tool-set.js';

/** What one task's loop carries from step to step. */
interface LoopState {
  /** The caller's options, with the model wrapped so that every call's prompt is masked. */
  readonly options: AgentTaskOptions;
  /** Masks a step record and hands it to the caller: the one way a step leaves the run. */
  readonly emitStep: (step: StepRecord) => void;
  readonly signal: AbortSignal;
  readonly actionsByName: ReadonlyMap<string, AnyAction>;
  readonly tools: ToolSet;
  readonly history: ModelMessage[];
  readonly loopGuard: LoopGuard;
  /** Told to the model with the next page view, then cleared. */
  notes: string[];
  /** Pictures actions took for the model, shown with the next page view, then cleared. */
  images: ActionImage[];
  previous: Observation | undefined;
  outputMismatches: number;
}

interface Seen {
  observation: Observation;
  blockedRequests: ReturnType<TaskContext['takeBlockedRequests']>;
  screenshotPath: string | undefined;
  observeMs: number;
}

interface Decision {
  text: string;
  calls: ModelToolCall[];
  usage: TokenUsage;
  modelMs: number;
}

interface Acted {
  batch: BatchResult;
  /** Model dollars of this step: the decision plus any spent inside actions (extract). */
  costDollars: number;
  actMs: number;
}

/** Runs the task to an answer: observe → decide → act → log, until done or a stop condition holds. */
export async function runAgentTask(options: AgentTaskOptions): Promise<AgentTaskResult> {
  const signal = options.signal ?? new AbortController().signal;
  const steps: StepRecord[] = [];
  let costDollars = 0;
  // The two boundaries of a run: what goes to the model (every call, through the model's
  // middleware) and what leaves the run (steps, the result) are masked there and nowhere else.
  const maskText = (text: string) => options.taskContext.maskSecrets(text);
  const result = (status: AgentTaskResult['status'], output: unknown, error?: string): AgentTaskResult => ({
    status,
    output: maskStrings(output, maskText),
    ...(error === undefined ? {} : { error: maskText(error) }),
    steps,
    costDollars,
  });

  let actions: AnyAction[];
  try {
    const validator: OutputValidator | undefined = options.responseModel ? compileResponseModel(options.responseModel) : undefined;
    actions = actionsForTask(options, validator);
    assertUniqueNames(actions);
  } catch (error) {
    return result('failed', null, (error as Error).message);
  }
  const { taskContext } = options;
  if (options.secrets?.length) taskContext.addSecrets(options.secrets);
  if (options.artifactsDirectory) await mkdir(options.artifactsDirectory, { recursive: true });
  const state: LoopState = {
    options: { ...options, model: maskModelInput(options.model, maskText) },
    emitStep: (step) => {
      const masked = maskStrings(step, maskText);
      steps.push(masked);
      options.onStep?.(masked);
    },
    signal,
    actionsByName: new Map(actions.map((action) => [action.name, action])),
    tools: toolSetFor(actions),
    history: [{ role: 'user', content: firstMessage(options) }],
    loopGuard: new LoopGuard(),
    notes: [],
    images: [],
    previous: undefined,
    outputMismatches: 0,
  };

  try {
    if (options.startUrl) await taskContext.goto(options.startUrl, { signal });
    for (let stepIndex = 1; ; stepIndex += 1) {
      signal.throwIfAborted();
      await options.beforeStep?.(signal);
      const seen = await observe(state, stepIndex);
      const decision = await decide(state, stepIndex, seen);
      const acted = await act(state, seen, decision);
      costDollars += acted.costDollars;
      log(state, stepIndex, seen, decision, acted);
      if (acted.batch.finished) return result('done', acted.batch.finished.output);

      const verdict = state.loopGuard.record(
        `${seen.observation.url}\n${elementListSignature(seen.observation)}`,
        JSON.stringify(decision.calls.map((call) => [call.toolName, call.input])),
        // The whole view, without the "new since last step" marks that differ on an unchanged page.
        seen.observation.text.replace(/^(\s*)\*\[/gm, '$1['),
      );
      const outcome = {
        stepIndex,
        maxSteps: options.maxSteps,
        outputMismatches: state.outputMismatches,
        lastMismatch: acted.batch.records.find((record) => !record.ok)?.result ?? '',
        loopVerdict: verdict,
        loopReason: state.loopGuard.reason,
        url: seen.observation.url,
        toolNames: decision.calls.map((call) => call.toolName),
      };
      for (const condition of stopConditions) {
        const reason = condition(outcome);
        if (reason !== undefined) return result('failed', null, reason);
      }
      if (verdict === 'warn') state.notes.push(state.loopGuard.reason);
      state.previous = seen.observation;
    }
  } catch (error) {
    if (signal.aborted) return result('cancelled', null, 'the task was cancelled');
    if (error instanceof TaskFailedError) return result('failed', null, error.message);
    // Every page call fails once the browser is gone; say why rather than quote the first one.
    if (taskContext.lostReason) return result('failed', null, taskContext.lostReason.message);
    return result('failed', null, `agent error: ${(error as Error).message ?? String(error)}`);
  }
}

function firstMessage(options: AgentTaskOptions): string {
  return taskPrompt({
    task: options.task,
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.files ? { files: options.files } : {}),
    ...(options.responseModel ? { responseModel: options.responseModel } : {}),
  });
}

/** Observe: the page as numbered text, requests the URL policy blocked, the step's screenshot. */
async function observe(state: LoopState, stepIndex: number): Promise<Seen> {
  const { taskContext } = state.options;
  const start = performance.now();
  const observation = await observePage(taskContext.page, state.previous ? { previous: state.previous } : {});
  const blockedRequests = taskContext.takeBlockedRequests();
  const screenshotPath = await takeScreenshot(state.options, stepIndex);
  return { observation, blockedRequests, screenshotPath, observeMs: performance.now() - start };
}

/** Decide: one model call over the cached prefix, the history and the current page last. */
async function decide(state: LoopState, stepIndex: number, seen: Seen): Promise<Decision> {
  const { taskContext } = state.options;
  const text = stepPrompt({
    stepIndex,
    maxSteps: state.options.maxSteps,
    observationText: seen.observation.text,
    pages: taskContext.pages,
    activePage: taskContext.page,
    blockedRequests: seen.blockedRequests,
    notes: state.notes,
  });
  const content: UserContent = [{ type: 'text', text }, ...state.images.map((image) => ({ type: 'image' as const, image: image.data, mediaType: image.mediaType }))];
  state.notes = [];
  state.images = [];
  const start = performance.now();
  const response: GenerateTextResult<ToolSet, never> = await generateText({
    model: state.options.model.languageModel,
    system: systemPrompt,
    messages: [...state.history, { role: 'user', content: content.length === 1 ? text : content }],
    tools: state.tools,
    toolChoice: 'required',
    abortSignal: state.signal,
    maxRetries: 1,
  });
  return { text: response.text, calls: toolCallsOf(response.content), usage: tokenUsageFromSdk(response.usage), modelMs: performance.now() - start };
}

/** Act: the model's calls in order, under the batch rules. */
async function act(state: LoopState, seen: Seen, decision: Decision): Promise<Acted> {
  const { taskContext } = state.options;
  let costDollars = costInDollars(decision.usage, state.options.model.price);
  const start = performance.now();
  const context: ActionContext = {
    taskContext,
    observation: seen.observation,
    model: state.options.model,
    files: state.options.files ?? [],
    signal: state.signal,
    addCost: (dollars) => {
      costDollars += dollars;
    },
  };
  const batch = await runBatch(decision.calls, state.actionsByName, context);
  state.outputMismatches += batch.outputMismatches;
  state.images.push(...batch.images);
  if (decision.calls.length === 0) state.notes.push('You answered without calling a tool. Call a tool; call done when the task is complete.');
  return { batch, costDollars, actMs: performance.now() - start };
}

/** Log: the history the next decision sees, and the step record the caller stores. */
function log(state: LoopState, stepIndex: number, seen: Seen, decision: Decision, acted: Acted): void {
  state.history.push(assistantMessage(decision.text, decision.calls), ...toolMessages(acted.batch.records, decision.calls));
  const step: StepRecord = {
    index: stepIndex,
    url: seen.observation.url,
    reasoning: decision.text,
    actions: acted.batch.records,
    tokensIn: decision.usage.inputTokens,
    tokensOut: decision.usage.outputTokens,
    cost: acted.costDollars,
    observationTokens: seen.observation.tokens,
    observeMs: Math.round(seen.observeMs),
    modelMs: Math.round(decision.modelMs),
    actMs: Math.round(acted.actMs),
    ...(seen.screenshotPath ? { screenshotPath: seen.screenshotPath } : {}),
  };
  state.emitStep(step);
}

function assertUniqueNames(actions: AnyAction[]): void {
  const seen = new Set<string>();
  for (const action of actions) {
    if (seen.has(action.name)) throw new Error(`custom tool name "${action.name}" clashes with a built-in tool; rename it`);
    seen.add(action.name);
  }
}

async function takeScreenshot(options: AgentTaskOptions, stepIndex: number): Promise<string | undefined> {
  if (!options.artifactsDirectory) return undefined;
  const path = join(options.artifactsDirectory, `step-${String(stepIndex).padStart(3, '0')}.jpg`);
  try {
    await options.taskContext.screenshot({ path, type: 'jpeg', quality: 50, timeout: 5_000 });
    return path;
  } catch {
    // A page mid-navigation cannot always be captured; the step is still worth logging.
    return undefined;
  }
}
