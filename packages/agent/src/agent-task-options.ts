import type { CustomTool, Metadata, Secret, StepRecord } from '@open-smooth/protocol';
import type { TaskContext } from '@open-smooth/browser';
import type { ResolvedModel } from './model/index.js';

/** A client-side tool call failed: 400 lets the agent carry on, 500 fails the task. */
export class CustomToolError extends Error {
  constructor(
    readonly code: 400 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'CustomToolError';
  }
}

export interface CustomToolCall {
  name: string;
  input: unknown;
}

export interface UploadableFile {
  name: string;
  path: string;
}

export interface AgentTaskOptions {
  task: string;
  /** The browser context to drive; the caller opens and closes it. */
  taskContext: TaskContext;
  model: ResolvedModel;
  /** 2–128. */
  maxSteps: number;
  /** Opened before the first step when given. */
  startUrl?: string;
  /** JSON schema the answer must satisfy; checked with Ajv. */
  responseModel?: Record<string, unknown>;
  metadata?: Metadata;
  secrets?: Secret[];
  /** Files the agent may upload into file inputs, by name. */
  files?: UploadableFile[];
  customTools?: CustomTool[];
  /** Runs a custom tool on the client; rejects with CustomToolError on a 400/500 answer. */
  callCustomTool?: (call: CustomToolCall, signal: AbortSignal) => Promise<unknown>;
  /** `{tool_name: options | null}` for screenshot, hover, print_page, drag_drop. */
  additionalTools?: Record<string, Record<string, unknown> | null>;
  signal?: AbortSignal;
  /** Step screenshots are written here when given. */
  artifactsDirectory?: string;
  onStep?: (step: StepRecord) => void;
  /**
   * Awaited before each step observes the page: the step waits until it resolves (a person
   * driving the browser through the live view holds the agent here). Rejecting stops the task.
   */
  beforeStep?: (signal: AbortSignal) => Promise<void>;
}

export interface AgentTaskResult {
  status: 'done' | 'failed' | 'cancelled';
  output: unknown;
  /** Why the task failed or was cancelled. */
  error?: string;
  steps: StepRecord[];
  /** US dollars spent on model calls, extraction included. */
  costDollars: number;
}
