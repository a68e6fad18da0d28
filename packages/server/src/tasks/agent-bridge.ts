import type { AgentTaskOptions, AgentTaskResult, ExtractOptions, ExtractResult, ResolvedModel } from '@open-smooth/agent';
import type { AgentTier } from '@open-smooth/protocol';

/** What the server uses of the agent package. Loaded on first use so the API starts without it. */
export interface AgentBridge {
  runAgentTask(options: AgentTaskOptions): Promise<AgentTaskResult>;
  extractFromPage(options: ExtractOptions): Promise<ExtractResult>;
  /** Throws ModelNotConfiguredError when the environment names no usable model. */
  resolveModel(tier: AgentTier, options?: { maskText?: (text: string) => string }): ResolvedModel;
  customToolError(code: 400 | 500, message: string): Error;
}

export async function loadAgentBridge(modelEnvironment: NodeJS.ProcessEnv): Promise<AgentBridge> {
  const agent = await import('@open-smooth/agent');
  return {
    runAgentTask: (options) => agent.runAgentTask(options),
    extractFromPage: (options) => agent.extractFromPage(options),
    resolveModel: (tier, options) => agent.resolveModel(agent.modelSettingsFromEnvironment(modelEnvironment), tier, options),
    customToolError: (code, message) => new agent.CustomToolError(code, message),
  };
}
