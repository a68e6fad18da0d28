import type { CustomToolSignature } from './api-types.js';
import { ToolCallError } from './errors.js';
import type { TaskHandle } from './task-handle.js';

export interface ToolOptions {
  name: string;
  description: string;
  /** JSON schema of the tool's input, shown to the agent. */
  inputs: Record<string, unknown>;
  /** What the tool returns, in words, shown to the agent. */
  output: string;
  /** When true (default) an unexpected error fails the task (500); when false the agent may carry on (400). */
  essential?: boolean;
  /** Text sent to the agent instead of an unexpected error's message. */
  errorMessage?: string;
}

/** Runs on the client when the agent calls the tool. May drive the same page through `handle`. */
export type ToolFunction = (input: Record<string, unknown>, handle: TaskHandle) => unknown;

/** The answer sent back for one `tool_call` event. */
export interface ToolAnswer {
  code: 200 | 400 | 500;
  output: unknown;
}

/** A custom tool declared with `client.tool()`: its signature goes to the server, its code stays here. */
export class SmoothTool {
  readonly signature: CustomToolSignature;
  readonly name: string;
  private readonly toolFunction: ToolFunction;
  private readonly essential: boolean;
  private readonly errorMessage: string | undefined;

  constructor(options: ToolOptions & { fn: ToolFunction }) {
    this.signature = { name: options.name, description: options.description, inputs: options.inputs, output: options.output };
    this.name = options.name;
    this.toolFunction = options.fn;
    this.essential = options.essential ?? true;
    this.errorMessage = options.errorMessage;
  }

  /** Runs the tool and turns its result or error into an answer; never throws. */
  async invoke(input: Record<string, unknown>, handle: TaskHandle): Promise<ToolAnswer> {
    try {
      const output = await this.toolFunction(input, handle);
      return { code: 200, output: output ?? null };
    } catch (error) {
      if (error instanceof ToolCallError) return { code: 400, output: error.message };
      const message = this.errorMessage ?? (error instanceof Error ? error.message : String(error));
      return { code: this.essential ? 500 : 400, output: message };
    }
  }
}
