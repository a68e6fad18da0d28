import type { TaskEventName } from '@open-smooth/protocol';
import type { AgentRunSettings } from '../wire-format.js';

/** A validated browser_action or session_action; its answer carries the same id and event name. */
export type SessionCommand = { id: string; eventName: TaskEventName } & (
  | { action: 'goto'; url: string }
  | { action: 'extract'; schema: Record<string, unknown>; prompt?: string }
  | { action: 'evaluate_js'; js: string; args?: Record<string, unknown> }
  | { action: 'run_task'; run: AgentRunSettings }
  | { action: 'close'; force: boolean }
);

/** Result of a command that succeeded, before it is put on the wire. */
export interface CommandResult {
  /** Absent for goto, whose answer has no `output`. */
  output?: unknown;
  costDollars: number;
}

/** A command failed in a way the client should see: code 400 (its input or the page) or 500. */
export class CommandFailedError extends Error {
  constructor(
    readonly code: 400 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'CommandFailedError';
  }
}
