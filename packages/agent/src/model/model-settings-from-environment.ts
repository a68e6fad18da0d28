import { ModelNotConfiguredError } from './model-not-configured-error.js';
import type { ModelPrice, ModelProvider, ModelSettings } from './model-settings.js';

const providers: readonly ModelProvider[] = ['openai', 'anthropic', 'google', 'openai-compatible'];

/** Each hosted provider's own key variable and its default main / lite models. */
const hostedProviders = {
  openai: { keyVariable: 'OPENAI_API_KEY', model: 'gpt-4.1', liteModel: 'gpt-4.1-mini', family: /^(gpt-|o\d|chatgpt-)/ },
  anthropic: { keyVariable: 'ANTHROPIC_API_KEY', model: 'claude-sonnet-4-5', liteModel: 'claude-haiku-4-5', family: /^claude-/ },
  google: { keyVariable: 'GOOGLE_GENERATIVE_AI_API_KEY', model: 'gemini-2.5-flash', liteModel: 'gemini-2.5-flash-lite', family: /^gemini-/ },
} as const;
type HostedProvider = keyof typeof hostedProviders;
const hostedProviderOrder: readonly HostedProvider[] = ['openai', 'anthropic', 'google'];

/** Empty variables count as unset, so `FOO= cmd` clears a setting. */
function readVariable(environment: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = environment[name]?.trim();
  return value ? value : undefined;
}

/** Parses "input,output[,cachedInput]" USD per million tokens. */
function parsePrice(environment: NodeJS.ProcessEnv, name: string): ModelPrice | undefined {
  const text = readVariable(environment, name);
  if (text === undefined) return undefined;
  const numbers = text.split(',').map((part) => Number(part.trim()));
  const [input, output, cachedInput] = numbers;
  const valid = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value) && value >= 0;
  if (numbers.length < 2 || numbers.length > 3 || !valid(input) || !valid(output) || (numbers.length === 3 && !valid(cachedInput))) {
    throw new ModelNotConfiguredError(`${name}="${text}" is not "input,output" US dollars per million tokens (e.g. ${name}=2,8)`);
  }
  return cachedInput === undefined
    ? { inputPerMillionTokens: input, outputPerMillionTokens: output }
    : { inputPerMillionTokens: input, outputPerMillionTokens: output, cachedInputPerMillionTokens: cachedInput };
}

function parseBoolean(environment: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = readVariable(environment, name)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ModelNotConfiguredError(`${name}="${text}" is not true or false`);
}

function detectProvider(environment: NodeJS.ProcessEnv): ModelProvider {
  const explicit = readVariable(environment, 'SMOOTH_MODEL_PROVIDER');
  if (explicit !== undefined) {
    const provider = providers.find((candidate) => candidate === explicit.toLowerCase());
    if (!provider) throw new ModelNotConfiguredError(`SMOOTH_MODEL_PROVIDER="${explicit}" is not one of ${providers.join(', ')}`);
    return provider;
  }
  if (readVariable(environment, 'SMOOTH_MODEL_BASE_URL') !== undefined) return 'openai-compatible';
  // A model name that belongs to one family picks its provider when that provider has a key.
  const model = readVariable(environment, 'SMOOTH_MODEL')?.toLowerCase();
  const hasKey = (provider: HostedProvider) =>
    readVariable(environment, 'SMOOTH_MODEL_API_KEY') !== undefined ||
    readVariable(environment, hostedProviders[provider].keyVariable) !== undefined;
  const byModelName = hostedProviderOrder.find((provider) => model !== undefined && hostedProviders[provider].family.test(model));
  if (byModelName && hasKey(byModelName)) return byModelName;
  const byKey = hostedProviderOrder.find((provider) => readVariable(environment, hostedProviders[provider].keyVariable) !== undefined);
  if (byKey) return byKey;
  throw new ModelNotConfiguredError('no provider API key or base URL is set');
}

/** Reads the model configuration from SMOOTH_MODEL_* variables and the providers' own key variables. */
export function modelSettingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): ModelSettings {
  const provider = detectProvider(environment);
  const baseUrl = readVariable(environment, 'SMOOTH_MODEL_BASE_URL');
  const explicitModel = readVariable(environment, 'SMOOTH_MODEL');
  const explicitLiteModel = readVariable(environment, 'SMOOTH_LITE_MODEL');
  let settings: ModelSettings;
  if (provider === 'openai-compatible') {
    if (baseUrl === undefined) throw new ModelNotConfiguredError('the openai-compatible provider needs SMOOTH_MODEL_BASE_URL');
    if (explicitModel === undefined) throw new ModelNotConfiguredError('the openai-compatible provider needs SMOOTH_MODEL (there is no default model)');
    settings = { provider, model: explicitModel, liteModel: explicitLiteModel ?? explicitModel, baseUrl };
    const apiKey = readVariable(environment, 'SMOOTH_MODEL_API_KEY');
    if (apiKey !== undefined) settings.apiKey = apiKey;
  } else {
    const defaults = hostedProviders[provider];
    const apiKey = readVariable(environment, 'SMOOTH_MODEL_API_KEY') ?? readVariable(environment, defaults.keyVariable);
    if (apiKey === undefined) throw new ModelNotConfiguredError(`the ${provider} provider needs SMOOTH_MODEL_API_KEY or ${defaults.keyVariable}`);
    settings = { provider, model: explicitModel ?? defaults.model, liteModel: explicitLiteModel ?? defaults.liteModel, apiKey };
    if (baseUrl !== undefined) settings.baseUrl = baseUrl;
  }
  const price = parsePrice(environment, 'SMOOTH_MODEL_PRICE');
  const litePrice = parsePrice(environment, 'SMOOTH_LITE_MODEL_PRICE');
  if (price) settings.price = price;
  const vision = parseBoolean(environment, 'SMOOTH_MODEL_VISION');
  const liteVision = parseBoolean(environment, 'SMOOTH_LITE_MODEL_VISION');
  if (vision !== undefined) settings.vision = vision;
  if (liteVision !== undefined) settings.liteVision = liteVision;
  if (litePrice) settings.litePrice = litePrice;
  return settings;
}
