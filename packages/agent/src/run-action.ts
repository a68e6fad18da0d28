import type { ActionRecord, ElementDescriptor } from '@open-smooth/protocol';
import { TaskFailedError, type ActionContext, type AnyAction, type ActionImage } from './actions/action.js';
import { OutputMismatchError } from './actions/done.js';

/** One tool call as the model made it, its input not yet checked when `invalidReason` is set. */
export interface ModelToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalidReason?: string;
}

export interface ActionRunResult {
  record: ActionRecord;
  finished?: { output: unknown };
  /** `done` was called with output that does not fit the response model. */
  outputMismatch?: boolean;
  /** A picture the action took for the model (screenshot): shown with the next page view. */
  image?: ActionImage;
}

/**
 * The one executor of an action call and its one catch boundary: whatever an action throws goes
 * back to the model as data, except cancellation and task-ending failures. Usable outside the
 * loop (a replay or an MCP server) with any `ActionContext`.
 */
export async function runAction(
  call: ModelToolCall,
  actionsByName: ReadonlyMap<string, AnyAction>,
  context: ActionContext,
): Promise<ActionRunResult> {
  const elements = elementsOf(call.input, context);
  const record = (result: string, ok: boolean): ActionRecord => ({ name: call.toolName, input: call.input, result, ok, ...(elements ? { elements } : {}) });
  const failed = (message: string): ActionRunResult => ({ record: record(`Error: ${message}`, false) });
  if (call.invalidReason) return failed(call.invalidReason);
  const action = actionsByName.get(call.toolName);
  if (!action) return failed(`there is no tool named ${call.toolName}`);
  try {
    const outcome = await action.handler(call.input, context);
    if (typeof outcome === 'string') return { record: record(outcome, true) };
    return {
      record: record(outcome.text, true),
      ...(outcome.finished ? { finished: outcome.finished } : {}),
      ...(outcome.image ? { image: outcome.image } : {}),
    };
  } catch (error) {
    if (context.signal.aborted || error instanceof TaskFailedError) throw error;
    if (error instanceof OutputMismatchError) return { ...failed(error.message), outputMismatch: true };
    return failed(firstLine((error as Error).message ?? String(error)));
  }
}

/** What the call's element indices meant in the page view it was made on (read before the action runs). */
function elementsOf(input: unknown, context: ActionContext): Record<string, ElementDescriptor> | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const found: Record<string, ElementDescriptor> = {};
  for (const field of ['index', 'from', 'to']) {
    const index = (input as Record<string, unknown>)[field];
    if (typeof index !== 'number') continue;
    const element = context.observation.elements.find((candidate) => candidate.index === index);
    if (!element) continue;
    found[field] = {
      role: element.role,
      name: element.name,
      tagName: element.tagName,
      frameUrl: element.frameUrl,
      ...(element.inputType ? { inputType: element.inputType } : {}),
    };
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/** The tool calls of a model answer, with the SDK's verdict on inputs that do not fit the schema. */
export function toolCallsOf(content: ReadonlyArray<{ type: string }>): ModelToolCall[] {
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

export function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? text;
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
