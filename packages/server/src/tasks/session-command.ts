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

/** What a command asked for, as the dashboard shows it: never a run_task's secrets. */
export function commandForReview(command: SessionCommand): unknown {
  switch (command.action) {
    case 'goto':
      return { url: command.url };
    case 'extract':
      return { schema: command.schema, ...(command.prompt !== undefined ? { prompt: command.prompt } : {}) };
    case 'evaluate_js':
      return { js: command.js, ...(command.args !== undefined ? { args: command.args } : {}) };
    case 'run_task':
      return {
        task: command.run.task,
        max_steps: command.run.maxSteps,
        ...(command.run.startUrl !== undefined ? { url: command.run.startUrl } : {}),
        ...(command.run.secrets.length > 0 ? { secrets: command.run.secrets.map((secret) => `<secret:${secret.name}>`) } : {}),
      };
    case 'close':
      return { force: command.force };
  }
}

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
