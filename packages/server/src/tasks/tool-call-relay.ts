import { randomBytes } from 'node:crypto';
import type { CustomToolCall } from '@open-smooth/agent';
import { errorMessage } from '@open-smooth/protocol';
import type { AgentBridge } from './agent-bridge.js';

/** Where a tool call goes out: the task's event log, as a `tool_call` event the client polls for. */
export type PostToolCall = (id: string, name: string, input: unknown) => Promise<unknown>;

/**
 * The custom tools of one agent run: `call` is what the agent calls; after the run, `fatalError`
 * says whether a tool failed in a way that ends the run as failed (no answer in time, a 500
 * answer, or a call that could not be sent), whatever the agent made of it.
 */
export interface ToolCallRun {
  call(call: CustomToolCall, signal: AbortSignal): Promise<unknown>;
  readonly fatalError: string | undefined;
}

interface PendingToolCall {
  name: string;
  run: RunState;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface RunState {
  agent: AgentBridge;
  fatalError: string | undefined;
}

/** Tool answers are free-form; the agent gets text. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Relays a task's custom tool calls to its client and the client's answers back: each call is a
 * `tool_call` event with a fresh id, answered by a `tool_answer` event with that id (or failed
 * once `timeoutMs` passes without one).
 */
export class ToolCallRelay {
  readonly #pending = new Map<string, PendingToolCall>();

  constructor(
    private readonly post: PostToolCall,
    private readonly timeoutMs: number,
  ) {}

  /** A call is waiting for the client's answer (its browser actions then run at once). */
  get isWaiting(): boolean {
    return this.#pending.size > 0;
  }

  forRun(agent: AgentBridge): ToolCallRun {
    const run: RunState = { agent, fatalError: undefined };
    return {
      call: (call, signal) => this.#call(run, call, signal),
      get fatalError() {
        return run.fatalError;
      },
    };
  }

  #call(run: RunState, call: CustomToolCall, signal: AbortSignal): Promise<unknown> {
    const id = `tool_${randomBytes(9).toString('base64url')}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settleFatally(id, `custom tool "${call.name}" got no answer within ${this.timeoutMs / 1000} s`);
      }, this.timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(run.agent.customToolError(500, 'the task was stopped while waiting for a custom tool'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        name: call.name,
        run,
        timer,
        resolve: (output) => {
          signal.removeEventListener('abort', onAbort);
          resolve(output);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      // A tool call that cannot be stored never reaches the client: the run stops with the reason.
      this.post(id, call.name, call.input).catch((error: unknown) => {
        this.#settleFatally(id, `custom tool "${call.name}" could not be sent to the client: ${errorMessage(error)}`);
      });
    });
  }

  /** The client answered a call; false when no call with that id is waiting. */
  answer(id: string, code: 200 | 400 | 500, output: unknown): boolean {
    const pending = this.#take(id);
    if (!pending) return false;
    if (code === 200) pending.resolve(output);
    else if (code === 400) pending.reject(pending.run.agent.customToolError(400, textOf(output)));
    else this.#fail(pending, `custom tool "${pending.name}" failed: ${textOf(output)}`);
    return true;
  }

  /** The task ended: no call waits any longer (the run's abort signal has rejected them). */
  clear(): void {
    for (const id of [...this.#pending.keys()]) this.#take(id);
  }

  #settleFatally(id: string, reason: string): void {
    const pending = this.#take(id);
    if (pending) this.#fail(pending, reason);
  }

  #fail(pending: PendingToolCall, reason: string): void {
    pending.run.fatalError = reason;
    pending.reject(pending.run.agent.customToolError(500, reason));
  }

  #take(id: string): PendingToolCall | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }
}
