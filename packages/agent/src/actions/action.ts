import type { z } from 'zod';
import type { Page } from 'playwright-core';
import type { TaskContext } from '@open-smooth/browser';
import type { Observation } from '../observation/index.js';
import type { ResolvedModel } from '../model/index.js';
import type { UploadableFile } from '../agent-task-options.js';

/** What an action handler may use; one per step, refreshed when the batch re-observes. */
export interface ActionContext {
  taskContext: TaskContext;
  /** The page state the model's element indices refer to. */
  observation: Observation;
  model: ResolvedModel;
  files: UploadableFile[];
  signal: AbortSignal;
  /** Adds model spend made inside an action (extract) to the task's cost. */
  addCost(dollars: number): void;
}

/** A picture for the model (vision): PNG or JPEG bytes. */
export interface ActionImage {
  data: Uint8Array;
  mediaType: 'image/png' | 'image/jpeg';
}

export interface ActionOutcome {
  /** Told to the model as the action's result. */
  text: string;
  /** Set by `done`: the task's answer. */
  finished?: { output: unknown };
  /** Shown to the model with the next page view (a screenshot), never kept in the history. */
  image?: ActionImage;
}

export interface ActionDefinition<Input = unknown> {
  name: string;
  description: string;
  /** Zod for built-in actions; custom tools and `done` with a response model carry a JSON schema. */
  inputSchema: z.ZodType<Input> | { jsonSchema: Record<string, unknown> };
  /** True when the action is expected to leave the page (stops the rest of a batch). */
  navigates?: boolean;
  /**
   * True when this call cannot add or remove elements (typing into a plain text field), so the
   * rest of its batch may go on without observing the page again.
   */
  keepsElementList?(input: Input, context: ActionContext): boolean;
  handler(input: Input, context: ActionContext): Promise<ActionOutcome | string>;
}

/** An action of any input type, as lists and the executor hold them (the handler checks its input). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = ActionDefinition<any>;

/** Declares an action once: name, input schema and handler, typed together. */
export function defineAction<Input>(definition: ActionDefinition<Input>): ActionDefinition<Input> {
  return definition;
}

/** An action failure the model should see and can recover from. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** A failure that ends the task (a custom tool answering 500, say). */
export class TaskFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFailedError';
  }
}

export function activePage(context: ActionContext): Page {
  return context.taskContext.page;
}
