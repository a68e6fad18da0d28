import type { LanguageModelUsage } from 'ai';
import type { TokenUsage } from './model/index.js';

/** The AI SDK's usage, with missing counts read as zero. */
export function usageFromResult(usage: LanguageModelUsage): TokenUsage {
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
  };
}
