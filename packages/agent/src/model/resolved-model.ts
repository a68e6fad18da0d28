import type { LanguageModel } from 'ai';
import type { ModelPrice, ModelProvider, ModelTier } from './model-settings.js';

/** A model ready to call, with the price that turns its token usage into cost. */
export interface ResolvedModel {
  tier: ModelTier;
  modelId: string;
  provider: ModelProvider;
  languageModel: LanguageModel;
  price: ModelPrice;
  /** The model may be shown screenshots (the `screenshot` tool returns pixels to it). */
  acceptsImages: boolean;
}
