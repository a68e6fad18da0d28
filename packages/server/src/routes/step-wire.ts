import type { StepRecord } from '@open-smooth/protocol';

/** A step as the dashboard and live view read it (snake_case, like the rest of the wire). */
export interface StepWire {
  index: number;
  url: string;
  reasoning: string;
  actions: Array<{ name: string; input: unknown; ok: boolean; result: string }>;
  tokens_in: number;
  tokens_out: number;
  /** US dollars. */
  cost: number;
  credits: number;
  observe_ms: number;
  model_ms: number;
  act_ms: number;
  /** Path of the step's screenshot on this server, or null when none was taken. */
  screenshot_url: string | null;
}

export function stepToWire(step: StepRecord, screenshotUrl: string): StepWire {
  return {
    index: step.index,
    url: step.url,
    reasoning: step.reasoning,
    actions: step.actions.map((action) => ({ name: action.name, input: action.input, ok: action.ok, result: action.result })),
    tokens_in: step.tokensIn,
    tokens_out: step.tokensOut,
    cost: step.cost,
    credits: step.cost * 100,
    observe_ms: step.observeMs,
    model_ms: step.modelMs,
    act_ms: step.actMs,
    screenshot_url: step.screenshotKey ? screenshotUrl : null,
  };
}
