export type { ModelPrice, ModelProvider, ModelSettings, ModelTier } from './model-settings.js';
export type { ResolvedModel } from './resolved-model.js';
export { ModelNotConfiguredError } from './model-not-configured-error.js';
export { modelSettingsFromEnvironment } from './model-settings-from-environment.js';
export { resolveModel } from './resolve-model.js';
export { maskModelInput, secretMaskingMiddleware, type MaskText } from './mask-model-input.js';
export { priceForModel } from './price-for-model.js';
export { costInDollars, creditsFromDollars, type TokenUsage } from './cost-in-dollars.js';
export { tokenUsageFromSdk } from './token-usage-from-sdk.js';
