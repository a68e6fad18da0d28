export type { ModelPrice, ModelProvider, ModelSettings, ModelTier } from './model-settings.js';
export type { ResolvedModel } from './resolved-model.js';
