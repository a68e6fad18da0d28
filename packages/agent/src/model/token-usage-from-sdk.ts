import type { LanguageModelUsage } from 'ai';
import type { TokenUsage } from './cost-in-dollars.js';

/** Converts the AI SDK's usage (fields may be undefined) into countable tokens. */
export function tokenUsageFromSdk(usage: LanguageModelUsage | undefined): TokenUsage {
  const cachedInputTokens = usage?.inputTokenDetails?.cacheReadTokens ?? usage?.cachedInputTokens;
  const tokenUsage: TokenUsage = { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
  if (cachedInputTokens !== undefined) tokenUsage.cachedInputTokens = cachedInputTokens;
  return tokenUsage;
}
