import { maskStrings } from '@open-smooth/protocol';
import { wrapLanguageModel, type LanguageModelMiddleware } from 'ai';

/** What wrapLanguageModel takes: a provider's model object (ours always are, never a gateway id string). */
type WrappableModel = Parameters<typeof wrapLanguageModel>[0]['model'];
import type { ResolvedModel } from './resolved-model.js';

/** Takes secret values out of text; the task's vault provides it (values → placeholders). */
export type MaskText = (text: string) => string;

/**
 * The one boundary every model call passes: each text of the prompt (system, task, page views,
 * tool results, earlier tool inputs) is masked just before the provider sees it, whoever
 * built the prompt (the agent loop, extraction, output re-asks, a future caller).
 */
export function secretMaskingMiddleware(maskText: MaskText): LanguageModelMiddleware {
  return {
    specificationVersion: 'v3',
    transformParams: async ({ params }) => ({ ...params, prompt: maskStrings(params.prompt, maskText) }),
  };
}

/** The same model, with every call's prompt masked by `maskText`. */
export function maskModelInput(model: ResolvedModel, maskText: MaskText): ResolvedModel {
  return {
    ...model,
    languageModel: wrapLanguageModel({ model: model.languageModel as WrappableModel, middleware: secretMaskingMiddleware(maskText) }),
  };
}
