import { PageScriptResultTooLargeError, PageScriptTimeoutError, runPageScript, type TaskContext } from '@open-smooth/browser';
import type { AgentRunSettings } from '../wire-format.js';
import type { AgentBridge } from './agent-bridge.js';
import { evaluateJsExpression } from './evaluate-js-expression.js';
import { CommandFailedError, type CommandResult, type SessionCommand } from './session-command.js';

/** How one agent run in a task ended; `toolFailed` when a custom tool ended it (a 500, not the agent's 400). */
export interface AgentRunOutcome {
  status: 'done' | 'failed' | 'cancelled';
  output: unknown;
  error?: string;
  toolFailed?: boolean;
  costDollars: number;
}

/** What a session command reaches of its task: the open browser and the task's own means. */
export interface CommandScope {
  context: TaskContext;
  /** Aborted when the task ends. */
  signal: AbortSignal;
  agent: () => Promise<AgentBridge>;
  evaluateJsTimeoutMs: number;
  extractTimeoutMs: number;
  commandOutputMaxBytes: number;
  /** Adds a model cost to the task's total. */
  addCost(dollars: number): Promise<void>;
  /** One agent run in this browser (its cost already added). */
  runAgent(run: AgentRunSettings): Promise<AgentRunOutcome>;
}

type BrowserCommand = Exclude<SessionCommand, { action: 'close' }>;
type CommandHandler<Command extends BrowserCommand> = (command: Command, scope: CommandScope) => Promise<CommandResult>;

/** Runs a client's script with a timeout and an output cap; either ends as a 400 answer. */
async function evaluateJs(command: Extract<BrowserCommand, { action: 'evaluate_js' }>, scope: CommandScope): Promise<unknown> {
  try {
    return await runPageScript(scope.context.page, evaluateJsExpression(command.js, command.args), {
      timeoutMs: scope.evaluateJsTimeoutMs,
      maxResultBytes: scope.commandOutputMaxBytes,
      signal: scope.signal,
    });
  } catch (error) {
    if (error instanceof PageScriptTimeoutError) throw new CommandFailedError(400, `evaluate_js: ${error.message}; the session is still usable`);
    if (error instanceof PageScriptResultTooLargeError) throw new CommandFailedError(400, `evaluate_js: ${error.message}`);
    throw error;
  }
}

/** One handler per command that acts in the browser, declared once, as the agent's actions are. */
const handlers: { [Action in BrowserCommand['action']]: CommandHandler<Extract<BrowserCommand, { action: Action }>> } = {
  goto: async (command, { context, signal }) => {
    await context.goto(command.url, { signal });
    return { costDollars: 0 };
  },
  evaluate_js: async (command, scope) => {
    const value = await evaluateJs(command, scope);
    // Script that clicks or navigates has effects (a download, a new page) that the next command must see.
    await scope.context.waitForSettle({ signal: scope.signal });
    return { output: value ?? null, costDollars: 0 };
  },
  extract: async (command, scope) => {
    const agent = await scope.agent();
    const context = scope.context;
    const result = await agent.extractFromPage({
      page: context.page,
      schema: command.schema,
      prompt: command.prompt ?? null,
      model: agent.resolveModel('smooth', { maskText: (text) => context.maskSecrets(text) }),
      signal: AbortSignal.any([scope.signal, AbortSignal.timeout(scope.extractTimeoutMs)]),
    });
    await scope.addCost(result.costDollars);
    return { output: result.output, costDollars: result.costDollars };
  },
  run_task: async (command, scope) => {
    const result = await scope.runAgent(command.run);
    if (result.status !== 'done') throw new CommandFailedError(result.toolFailed ? 500 : 400, result.error ?? `the task ended ${result.status}`);
    return { output: result.output, costDollars: result.costDollars };
  },
};

/** Runs a command that acts in the task's browser; a CommandFailedError says which answer the client gets. */
export function runBrowserCommand(command: BrowserCommand, scope: CommandScope): Promise<CommandResult> {
  // The handler is picked by the command's own action, so it takes this command (TypeScript cannot correlate the two).
  const handler = handlers[command.action] as CommandHandler<BrowserCommand>;
  return handler(command, scope);
}
