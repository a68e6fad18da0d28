import type { ModelPrice } from './model-settings.js';

export interface TokenUsage {
  /** All prompt tokens, cached ones included (as providers report them). */
  inputTokens: number;
  outputTokens: number;
  /** The part of inputTokens read from the provider's prompt cache. */
  cachedInputTokens?: number;
}

/** What a model call cost in US dollars at the given price. */
export function costInDollars(usage: TokenUsage, price: ModelPrice): number {
  const cachedTokens = Math.min(Math.max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens);
  const uncachedTokens = usage.inputTokens - cachedTokens;
  const cachedPrice = price.cachedInputPerMillionTokens ?? price.inputPerMillionTokens;
  const microDollars =
    uncachedTokens * price.inputPerMillionTokens +
    cachedTokens * cachedPrice +
    usage.outputTokens * price.outputPerMillionTokens;
  return microDollars / 1_000_000;
}

/** 1 credit = $0.01; kept fractional so callers decide how to round. */
export function creditsFromDollars(dollars: number): number {
  return dollars * 100;
}
