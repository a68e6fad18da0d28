import type { LoopGuardVerdict } from './loop-guard.js';

/** How often `done` may miss the response model before the task fails. */
export const maximumOutputMismatches = 3;

/** What the loop knows after a step, for deciding whether to go on. */
export interface StepOutcome {
  stepIndex: number;
  maxSteps: number;
  outputMismatches: number;
  lastMismatch: string;
  loopVerdict: LoopGuardVerdict;
  /** The loop guard's reason for its verdict. */
  loopReason: string;
  url: string;
  toolNames: string[];
}

/** A rule that ends a task that has not finished: the failure's reason, or undefined to go on. */
export type StopCondition = (outcome: StepOutcome) => string | undefined;

export const tooManyOutputMismatches: StopCondition = (outcome) =>
  outcome.outputMismatches >= maximumOutputMismatches
    ? `the answer did not match response_model after ${maximumOutputMismatches} attempts: ${outcome.lastMismatch}`
    : undefined;

export const stuckInALoop: StopCondition = (outcome) =>
  outcome.loopVerdict === 'fail'
    ? `the agent made no progress on ${outcome.url}: ${outcome.loopReason} (last actions: ${outcome.toolNames.join(', ') || 'none'})`
    : undefined;

export const outOfSteps: StopCondition = (outcome) =>
  outcome.stepIndex >= outcome.maxSteps ? `reached max_steps (${outcome.maxSteps}) before the task was done` : undefined;

/** Checked in order after every step that did not finish the task. */
export const stopConditions: StopCondition[] = [tooManyOutputMismatches, stuckInALoop, outOfSteps];
