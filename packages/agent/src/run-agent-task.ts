import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateText, type ModelMessage, type ToolCallPart, type ToolResultPart } from 'ai';
import type { ActionRecord, StepRecord } from '@open-smooth/protocol';
import { actionsForTask } from './actions/action-registry.js';
import { TaskFailedError, type ActionContext, type ActionDefinition } from './actions/action.js';
import { OutputMismatchError } from './actions/done.js';
import type { AgentTaskOptions, AgentTaskResult } from './agent-task-options.js';
import { LoopGuard } from './loop-guard.js';
import { costInDollars, tokenUsageFromSdk } from './model/index.js';

import { observePage, type Observation } from './observation/index.js';
import { compileResponseModel, type OutputValidator } from './output-validator.js';
import { stepPrompt } from './step-prompt.js';
import { systemPrompt } from './system-prompt.js';
import { taskPrompt } from './task-prompt.js';
import { toolSetFor } from './tool-set.js';

/** How often `done` may miss the response model before the task fails. */
const maximumOutputMismatches = 3;

interface ModelToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalidReason?: string;
}

interface ActionRunResult {
  record: ActionRecord;
  finished?: { output: unknown };
  /** `done` was called with output that does not fit the response model. */
  outputMismatch?: boolean;
}

/** Runs the task to an answer: observe → model decides actions → act → log, until done or out of steps. */
export async function runAgentTask(options: AgentTaskOptions): Promise<AgentTaskResult> {
  const signal = options.signal ?? new AbortController().signal;
  const steps: StepRecord[] = [];
  let costDollars = 0;
  const result = (status: AgentTaskResult['status'], output: unknown, error?: string): AgentTaskResult => ({
    status,
    output,
    ...(error === undefined ? {} : { error }),
    steps,
    costDollars,
  });

  let validator: OutputValidator | undefined;
  let actions: ActionDefinition<any>[];
  try {
    validator = options.responseModel ? compileResponseModel(options.responseModel) : undefined;
    actions = actionsForTask(options, validator);
    assertUniqueNames(actions);
  } catch (error) {
    return result('failed', null, (error as Error).message);
  }
  const actionsByName = new Map(actions.map((action) => [action.name, action]));
  const tools = toolSetFor(actions);
  const { taskContext } = options;
  if (options.secrets?.length) taskContext.addSecrets(options.secrets);
  if (options.artifactsDirectory) await mkdir(options.artifactsDirectory, { recursive: true });

  const history: ModelMessage[] = [
    {
      role: 'user',
      content: taskPrompt({
        task: options.task,
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.files ? { files: options.files } : {}),
        ...(options.responseModel ? { responseModel: options.responseModel } : {}),
      }),
    },
  ];
  const loopGuard = new LoopGuard();
  let notes: string[] = [];
  let previous: Observation | undefined;
  let outputMismatches = 0;

  try {
    if (options.startUrl) await taskContext.goto(options.startUrl, { signal });
    for (let stepIndex = 1; stepIndex <= options.maxSteps; stepIndex += 1) {
      signal.throwIfAborted();
      await options.beforeStep?.(signal);
      const observeStart = performance.now();
      const observation = await observePage(taskContext.page, previous ? { previous } : {});
      const blockedRequests = taskContext.takeBlockedRequests();
      const screenshotPath = await takeScreenshot(options, stepIndex);
      const observeMs = performance.now() - observeStart;

      const modelStart = performance.now();
      const response = await generateText({
        model: options.model.languageModel,
        system: systemPrompt,
        messages: [
          ...history,
          {
            role: 'user',
            content: stepPrompt({
              stepIndex,
              maxSteps: options.maxSteps,
              observationText: taskContext.maskSecrets(observation.text),
              pages: taskContext.pages,
              activePage: taskContext.page,
              blockedRequests,
              notes,
            }),
          },
        ],
        tools,
        toolChoice: 'required',
        abortSignal: signal,
        maxRetries: 1,
      });
      const modelMs = performance.now() - modelStart;
      const usage = tokenUsageFromSdk(response.usage);
      let stepCost = costInDollars(usage, options.model.price);
      notes = [];

      const actStart = performance.now();
      const calls = toolCallsOf(response.content);
      const context: ActionContext = {
        taskContext,
        observation,
        model: options.model,
        files: options.files ?? [],
        signal,
        addCost: (dollars) => {
          stepCost += dollars;
        },
      };
      const records: ActionRecord[] = [];
      let finished: { output: unknown } | undefined;
      let pageChanged = false;
      for (const [position, call] of calls.entries()) {
        if (finished || pageChanged) {
          records.push(skippedRecord(call, finished ? 'the task was already finished' : 'the page changed before this action; use the new page view'));
          continue;
        }
        const run = await runAction(call, actionsByName, context, taskContext.maskSecrets.bind(taskContext));
        records.push(run.record);
        if (run.outputMismatch) outputMismatches += 1;
        finished = run.finished;
        const hasMore = position < calls.length - 1;
        if (!finished && hasMore) pageChanged = await batchMustStop(call, actionsByName.get(call.toolName), run.record.ok, context);
      }
      if (calls.length === 0) notes.push('You answered without calling a tool. Call a tool; call done when the task is complete.');
      const actMs = performance.now() - actStart;

      history.push(assistantMessage(response.text, calls), ...toolMessages(records, calls));
      costDollars += stepCost;
      const step: StepRecord = {
        index: stepIndex,
        url: observation.url,
        reasoning: taskContext.maskSecrets(response.text),
        actions: records,
        tokensIn: usage.inputTokens,
        tokensOut: usage.outputTokens,
        cost: stepCost,
        observationTokens: observation.tokens,
        observeMs: Math.round(observeMs),
        modelMs: Math.round(modelMs),
        actMs: Math.round(actMs),
        ...(screenshotPath ? { screenshotPath } : {}),
      };
      steps.push(step);
      options.onStep?.(step);

      if (finished) return result('done', finished.output);
      if (outputMismatches >= maximumOutputMismatches) {
        const last = records.find((record) => !record.ok)?.result ?? '';
        return result('failed', null, `the answer did not match response_model after ${maximumOutputMismatches} attempts: ${last}`);
      }
      const verdict = loopGuard.record(
        `${observation.url}\n${elementListSignature(observation)}`,
        JSON.stringify(calls.map((call) => [call.toolName, call.input])),
      );
      if (verdict === 'fail') {
        return result('failed', null, `the agent was stuck repeating ${calls.map((call) => call.toolName).join(', ')} on ${observation.url} without progress`);
      }
      if (verdict === 'warn') notes.push('You repeated the same actions on the same page and nothing changed. Try a different approach.');
      previous = observation;
    }
    return result('failed', null, `reached max_steps (${options.maxSteps}) before the task was done`);
  } catch (error) {
    if (signal.aborted) return result('cancelled', null, 'the task was cancelled');
    if (error instanceof TaskFailedError) return result('failed', null, error.message);
    return result('failed', null, `agent error: ${taskContext.maskSecrets((error as Error).message ?? String(error))}`);
  }
}

/** One catch boundary per call: whatever an action throws goes back to the model as data. */
async function runAction(
  call: ModelToolCall,
  actionsByName: Map<string, ActionDefinition<any>>,
  context: ActionContext,
  mask: (text: string) => string,
): Promise<ActionRunResult> {
  const failed = (message: string): ActionRunResult => ({
    record: { name: call.toolName, input: call.input, result: mask(`Error: ${message}`), ok: false },
  });
  if (call.invalidReason) return failed(call.invalidReason);
  const action = actionsByName.get(call.toolName);
  if (!action) return failed(`there is no tool named ${call.toolName}`);
  try {
    const outcome = await action.handler(call.input, context);
    const text = typeof outcome === 'string' ? outcome : outcome.text;
    const finished = typeof outcome === 'string' ? undefined : outcome.finished;
    return { record: { name: call.toolName, input: call.input, result: mask(text), ok: true }, ...(finished ? { finished } : {}) };
  } catch (error) {
    if (context.signal.aborted || error instanceof TaskFailedError) throw error;
    if (error instanceof OutputMismatchError) return { ...failed(error.message), outputMismatch: true };
    return failed(firstLine((error as Error).message ?? String(error)));
  }
}

function toolCallsOf(content: ReadonlyArray<{ type: string }>): ModelToolCall[] {
  const calls: ModelToolCall[] = [];
  for (const part of content) {
    if (part.type !== 'tool-call') continue;
    const call = part as unknown as { toolCallId: string; toolName: string; input: unknown; invalid?: boolean; error?: unknown };
    calls.push({
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      ...(call.invalid ? { invalidReason: `invalid input for ${call.toolName}: ${firstLine(String((call.error as Error)?.message ?? call.error))}` } : {}),
    });
  }
  return calls;
}

function assistantMessage(text: string, calls: ModelToolCall[]): ModelMessage {
  const parts: Array<{ type: 'text'; text: string } | ToolCallPart> = [];
  if (text) parts.push({ type: 'text', text });
  for (const call of calls) parts.push({ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: call.input ?? {} });
  return { role: 'assistant', content: parts.length > 0 ? parts : [{ type: 'text', text: '(no action)' }] };
}

function toolMessages(records: ActionRecord[], calls: ModelToolCall[]): ModelMessage[] {
  if (calls.length === 0) return [];
  const content: ToolResultPart[] = calls.map((call, index) => ({
    type: 'tool-result',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: { type: 'text', value: records[index]?.result ?? '' },
  }));
  return [{ role: 'tool', content }];
}

function skippedRecord(call: ModelToolCall, why: string): ActionRecord {
  return { name: call.toolName, input: call.input, result: `Skipped: ${why}.`, ok: false };
}

/**
 * After an action with more to come in its batch: true when the page navigated or its element
 * list changed, so the model's indices no longer describe it. Observes again only when the action
 * could have changed the list; the next step observes anyway, so the last action never does.
 */
async function batchMustStop(
  call: ModelToolCall,
  action: ActionDefinition<any> | undefined,
  succeeded: boolean,
  context: ActionContext,
): Promise<boolean> {
  if (action?.navigates === true) return true;
  const page = context.taskContext.page;
  if (succeeded && action?.keepsElementList?.(call.input, context) === true) return page.url() !== context.observation.url;
  const after = await observePage(page);
  const changed = after.url !== context.observation.url || elementListSignature(after) !== elementListSignature(context.observation);
  context.observation = after;
  return changed;
}

/** Which elements exist, not their values: typing into a field must not end a batch. */
function elementListSignature(observation: Observation): string {
  return observation.elements.map((element) => `${element.role}|${element.name}`).join('\n');
}

function assertUniqueNames(actions: ActionDefinition<any>[]): void {
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
    await options.taskContext.page.screenshot({ path, type: 'jpeg', quality: 50, timeout: 5_000 });
    return path;
  } catch {
    // A page mid-navigation cannot always be captured; the step is still worth logging.
    return undefined;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? text;
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
