import type { LanguageModel } from 'ai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ModelPrice, ModelSettings, ModelTier } from './model-settings.js';
import { acceptsImages } from './accepts-images.js';
import { priceForModel } from './price-for-model.js';
import { maskModelInput, type MaskText } from './mask-model-input.js';
import type { ResolvedModel } from './resolved-model.js';

/** An unknown model without a configured price costs nothing: cost then reads 0 rather than a guess. */
const unknownModelPrice: ModelPrice = { inputPerMillionTokens: 0, outputPerMillionTokens: 0 };

function createLanguageModel(settings: ModelSettings, modelId: string): LanguageModel {
  const connection = { apiKey: settings.apiKey, baseURL: settings.baseUrl };
  switch (settings.provider) {
    case 'openai':
      // Chat completions, not the Responses API, so OpenAI and compatible servers share one code path.
      return createOpenAI(connection).chat(modelId);
    case 'anthropic':
      return createAnthropic(connection).languageModel(modelId);
    case 'google':
      return createGoogleGenerativeAI(connection).languageModel(modelId);
    case 'openai-compatible':
      if (settings.baseUrl === undefined) throw new Error('The openai-compatible provider needs a base URL');
      // includeUsage asks for the usage chunk when streaming, without which costs would read 0.
      return createOpenAICompatible({ name: 'openai-compatible', baseURL: settings.baseUrl, apiKey: settings.apiKey, includeUsage: true }).chatModel(modelId);
  }
}

/**
 * The language model and price behind `agent: "smooth"` or `"smooth-lite"`. With `maskText`
 * (the task's secret vault), every prompt the model is sent is masked first.
 */
export function resolveModel(settings: ModelSettings, tier: ModelTier, options: { maskText?: MaskText } = {}): ResolvedModel {
  const modelId = tier === 'smooth' ? settings.model : settings.liteModel;
  // A lite tier that runs the main model (openai-compatible default) also costs the main price.
  const configuredPrice =
    tier === 'smooth' ? settings.price : (settings.litePrice ?? (settings.liteModel === settings.model ? settings.price : undefined));
  const model: ResolvedModel = {
    tier,
    modelId,
    provider: settings.provider,
    languageModel: createLanguageModel(settings, modelId),
    price: configuredPrice ?? priceForModel(modelId) ?? unknownModelPrice,
    acceptsImages: acceptsImages(modelId, tier === 'smooth' ? settings.vision : (settings.liteVision ?? (settings.liteModel === settings.model ? settings.vision : undefined))),
  };
  return options.maskText ? maskModelInput(model, options.maskText) : model;
}
