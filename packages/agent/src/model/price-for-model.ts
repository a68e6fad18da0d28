import type { ModelPrice } from './model-settings.js';

function price(input: number, output: number, cachedInput?: number): ModelPrice {
  return cachedInput === undefined
    ? { inputPerMillionTokens: input, outputPerMillionTokens: output }
    : { inputPerMillionTokens: input, outputPerMillionTokens: output, cachedInputPerMillionTokens: cachedInput };
}

/** Public list prices in USD per million tokens (standard tier, short context). */
const priceTable: ReadonlyMap<string, ModelPrice> = new Map([
  // OpenAI
  ['gpt-5.5', price(5, 30, 0.5)],
  ['gpt-5.4', price(2.5, 15, 0.25)],
  ['gpt-5.4-mini', price(0.75, 4.5, 0.075)],
  ['gpt-5.4-nano', price(0.2, 1.25, 0.02)],
  ['gpt-5.4-pro', price(30, 180)],
  ['gpt-5.2', price(1.75, 14, 0.175)],
  ['gpt-5.2-pro', price(21, 168)],
  ['gpt-5.1', price(1.25, 10, 0.125)],
  ['gpt-5', price(1.25, 10, 0.125)],
  ['gpt-5-mini', price(0.25, 2, 0.025)],
  ['gpt-5-nano', price(0.05, 0.4, 0.005)],
  ['gpt-4.1', price(2, 8, 0.5)],
  ['gpt-4.1-mini', price(0.4, 1.6, 0.1)],
  ['gpt-4.1-nano', price(0.1, 0.4, 0.025)],
  ['gpt-4o', price(2.5, 10, 1.25)],
  ['gpt-4o-mini', price(0.15, 0.6, 0.075)],
  ['o3', price(2, 8, 0.5)],
  ['o3-pro', price(20, 80)],
  ['o3-mini', price(1.1, 4.4, 0.55)],
  ['o4-mini', price(1.1, 4.4, 0.275)],
  // Anthropic (cached = cache read; cache writes are billed as input here)
  ['claude-opus-4-6', price(5, 25, 0.5)],
  ['claude-opus-4-5', price(5, 25, 0.5)],
  ['claude-opus-4-1', price(15, 75, 1.5)],
  ['claude-opus-4-0', price(15, 75, 1.5)],
  ['claude-opus-4', price(15, 75, 1.5)],
  ['claude-sonnet-4-6', price(3, 15, 0.3)],
  ['claude-sonnet-4-5', price(3, 15, 0.3)],
  ['claude-sonnet-4-0', price(3, 15, 0.3)],
  ['claude-sonnet-4', price(3, 15, 0.3)],
  ['claude-3-7-sonnet', price(3, 15, 0.3)],
  ['claude-haiku-4-5', price(1, 5, 0.1)],
  ['claude-3-5-haiku', price(0.8, 4, 0.08)],
  ['claude-3-haiku', price(0.25, 1.25, 0.03)],
  // Google
  ['gemini-3-pro-preview', price(2, 12, 0.2)],
  ['gemini-3-flash-preview', price(0.5, 3, 0.05)],
  ['gemini-2.5-pro', price(1.25, 10, 0.125)],
  ['gemini-2.5-flash', price(0.3, 2.5, 0.03)],
  ['gemini-2.5-flash-lite', price(0.1, 0.4, 0.01)],
  ['gemini-2.0-flash', price(0.1, 0.4, 0.025)],
  ['gemini-2.0-flash-lite', price(0.075, 0.3)],
]);

/** Strips what does not change the price: a router prefix ("openai/"), a date snapshot, "-latest". */
function normalizeModelId(modelId: string): string {
  return modelId
    .trim()
    .toLowerCase()
    .replace(/^.*\//, '')
    .replace(/-latest$/, '')
    .replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|\d{3})$/, '');
}

/**
 * The built-in list price of a model, or undefined when unknown (local and custom models:
 * configure SMOOTH_MODEL_PRICE). Falls back to the longest known id the model id extends
 * at a "-" boundary, so "gpt-4.1-mini-custom" prices as gpt-4.1-mini.
 */
export function priceForModel(modelId: string): ModelPrice | undefined {
  const normalized = normalizeModelId(modelId);
  const exact = priceTable.get(normalized);
  if (exact) return exact;
  let best: { key: string; price: ModelPrice } | undefined;
  for (const [key, value] of priceTable) {
    if (normalized.startsWith(`${key}-`) && (!best || key.length > best.key.length)) best = { key, price: value };
  }
  return best?.price;
}
