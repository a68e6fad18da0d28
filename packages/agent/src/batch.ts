import type { ActionRecord } from '@open-smooth/protocol';
import type { ActionContext, ActionImage, AnyAction } from './actions/action.js';
import { skippedRecord } from './model-messages.js';
import { observePage, type Observation } from './observation/index.js';
import { runAction, type ModelToolCall } from './run-action.js';

export interface BatchResult {
  /** One record per call, skipped calls included, in call order. */
  records: ActionRecord[];
  finished?: { output: unknown };
  /** How many `done` calls missed the response model. */
  outputMismatches: number;
  /** Pictures actions took for the model (screenshot), shown with the next page view. */
  images: ActionImage[];
}

/**
 * Runs the model's calls in order. The batch stops (the rest are reported skipped) when `done`
 * finished the task, when an action failed (later actions were planned on its success), or when
 * the page navigated or its element list changed (the model's indices no longer describe it).
 */
export async function runBatch(
  calls: ModelToolCall[],
  actionsByName: ReadonlyMap<string, AnyAction>,
  context: ActionContext,
): Promise<BatchResult> {
  const result: BatchResult = { records: [], outputMismatches: 0, images: [] };
  let stopReason: string | undefined;
  for (const [position, call] of calls.entries()) {
    if (stopReason !== undefined) {
      result.records.push(skippedRecord(call, stopReason));
      continue;
    }
    const run = await runAction(call, actionsByName, context);
    result.records.push(run.record);
    if (run.outputMismatch) result.outputMismatches += 1;
    if (run.image) result.images.push(run.image);
    if (run.finished) {
      result.finished = run.finished;
      stopReason = 'the task was already finished';
      continue;
    }
    if (!run.record.ok) {
      stopReason = `action ${position + 1} (${call.toolName}) of this batch failed, so the rest did not run; fix that first`;
      continue;
    }
    const hasMore = position < calls.length - 1;
    if (hasMore && (await pageChangedUnder(call, actionsByName.get(call.toolName), context))) {
      stopReason = 'the page changed before this action; use the new page view';
    }
  }
  return result;
}

/**
 * After a successful action with more to come in its batch: true when the page navigated or its
 * element list changed. Observes again only when the action could have changed the list; the
 * next step observes anyway, so the last action never does.
 */
async function pageChangedUnder(call: ModelToolCall, action: AnyAction | undefined, context: ActionContext): Promise<boolean> {
  if (action?.navigates === true) return true;
  const page = context.taskContext.page;
  if (action?.keepsElementList?.(call.input, context) === true) return page.url() !== context.observation.url;
  const after = await observePage(page);
  const changed = after.url !== context.observation.url || elementListSignature(after) !== elementListSignature(context.observation);
  context.observation = after;
  return changed;
}

/** Which elements exist, not their values: typing into a field must not end a batch. */
export function elementListSignature(observation: Observation): string {
  return observation.elements.map((element) => `${element.role}|${element.name}`).join('\n');
}
