import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ModelNotConfiguredError,
  costInDollars,
  creditsFromDollars,
  modelSettingsFromEnvironment,
  priceForModel,
  resolveModel,
} from '../src/model/index.js';

test('an OpenAI key alone selects OpenAI with its default main and lite models', () => {
  const settings = modelSettingsFromEnvironment({ OPENAI_API_KEY: 'sk-openai' });
  assert.deepEqual(settings, { provider: 'openai', model: 'gpt-4.1', liteModel: 'gpt-4.1-mini', apiKey: 'sk-openai' });
});

test('an Anthropic or Google key alone selects that provider', () => {
  const anthropic = modelSettingsFromEnvironment({ ANTHROPIC_API_KEY: 'sk-ant' });
  assert.equal(anthropic.provider, 'anthropic');
  assert.equal(anthropic.apiKey, 'sk-ant');
  assert.match(anthropic.model, /^claude-/);
  assert.match(anthropic.liteModel, /^claude-/);
  assert.notEqual(anthropic.model, anthropic.liteModel);
  const google = modelSettingsFromEnvironment({ GOOGLE_GENERATIVE_AI_API_KEY: 'g-key' });
  assert.equal(google.provider, 'google');
  assert.match(google.model, /^gemini-/);
  assert.ok(priceForModel(anthropic.model) && priceForModel(google.liteModel), 'default models have known prices');
});

test('a model name picks its provider when several keys are set', () => {
  const settings = modelSettingsFromEnvironment({ OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b', SMOOTH_MODEL: 'claude-opus-4-5' });
  assert.equal(settings.provider, 'anthropic');
  assert.equal(settings.apiKey, 'b');
  assert.equal(settings.model, 'claude-opus-4-5');
});

test('a base URL means an OpenAI-compatible server; lite falls back to the main model', () => {
  const settings = modelSettingsFromEnvironment({
    SMOOTH_MODEL_BASE_URL: 'http://127.0.0.1:11434/v1',
    SMOOTH_MODEL: 'qwen2.5:14b',
    SMOOTH_MODEL_PRICE: '0.5, 1.5',
    OPENAI_API_KEY: 'ignored-for-compatible',
  });
  assert.deepEqual(settings, {
    provider: 'openai-compatible',
    model: 'qwen2.5:14b',
    liteModel: 'qwen2.5:14b',
    baseUrl: 'http://127.0.0.1:11434/v1',
    price: { inputPerMillionTokens: 0.5, outputPerMillionTokens: 1.5 },
  });
  const lite = resolveModel(settings, 'smooth-lite');
  assert.equal(lite.modelId, 'qwen2.5:14b');
  assert.deepEqual(lite.price, { inputPerMillionTokens: 0.5, outputPerMillionTokens: 1.5 }, 'lite running the main model costs the main price');
});

test('an explicit provider wins over detection and SMOOTH_MODEL_API_KEY over the provider key', () => {
  const settings = modelSettingsFromEnvironment({
    SMOOTH_MODEL_PROVIDER: 'openai',
    SMOOTH_MODEL_BASE_URL: 'http://127.0.0.1:9000/v1',
    SMOOTH_MODEL_API_KEY: 'smooth-key',
    OPENAI_API_KEY: 'openai-key',
    SMOOTH_LITE_MODEL: 'gpt-4.1-nano',
    SMOOTH_LITE_MODEL_PRICE: '0.1,0.4,0.025',
  });
  assert.equal(settings.provider, 'openai');
  assert.equal(settings.baseUrl, 'http://127.0.0.1:9000/v1');
  assert.equal(settings.apiKey, 'smooth-key');
  assert.equal(settings.liteModel, 'gpt-4.1-nano');
  assert.deepEqual(settings.litePrice, { inputPerMillionTokens: 0.1, outputPerMillionTokens: 0.4, cachedInputPerMillionTokens: 0.025 });
});

test('nothing configured throws ModelNotConfiguredError naming every variable with an example', () => {
  assert.throws(
    () => modelSettingsFromEnvironment({ PATH: '/usr/bin', OPENAI_API_KEY: '' }),
    (error: unknown) => {
      assert.ok(error instanceof ModelNotConfiguredError);
      for (const variable of [
        'SMOOTH_MODEL_PROVIDER',
        'SMOOTH_MODEL',
        'SMOOTH_LITE_MODEL',
        'SMOOTH_MODEL_BASE_URL',
        'SMOOTH_MODEL_API_KEY',
        'OPENAI_API_KEY',
        'ANTHROPIC_API_KEY',
        'GOOGLE_GENERATIVE_AI_API_KEY',
        'SMOOTH_MODEL_PRICE',
        'SMOOTH_LITE_MODEL_PRICE',
      ]) {
        assert.ok(error.message.includes(variable), `message names ${variable}`);
      }
      assert.match(error.message, /Example/);
      return true;
    },
  );
});

test('incomplete or invalid configuration is reported, not guessed', () => {
  assert.throws(() => modelSettingsFromEnvironment({ SMOOTH_MODEL_BASE_URL: 'http://127.0.0.1:8000/v1' }), /needs SMOOTH_MODEL/);
  assert.throws(() => modelSettingsFromEnvironment({ SMOOTH_MODEL_PROVIDER: 'openai-compatible', SMOOTH_MODEL: 'x' }), /SMOOTH_MODEL_BASE_URL/);
  assert.throws(() => modelSettingsFromEnvironment({ SMOOTH_MODEL_PROVIDER: 'anthropic' }), /ANTHROPIC_API_KEY/);
  assert.throws(() => modelSettingsFromEnvironment({ SMOOTH_MODEL_PROVIDER: 'mistral', OPENAI_API_KEY: 'a' }), ModelNotConfiguredError);
  assert.throws(() => modelSettingsFromEnvironment({ OPENAI_API_KEY: 'a', SMOOTH_MODEL_PRICE: 'cheap' }), /SMOOTH_MODEL_PRICE/);
  assert.throws(() => modelSettingsFromEnvironment({ OPENAI_API_KEY: 'a', SMOOTH_MODEL_PRICE: '1,-2' }), /SMOOTH_MODEL_PRICE/);
});

test('the price table knows current models, snapshots and router prefixes', () => {
  assert.deepEqual(priceForModel('gpt-4.1'), { inputPerMillionTokens: 2, outputPerMillionTokens: 8, cachedInputPerMillionTokens: 0.5 });
  assert.deepEqual(priceForModel('gpt-4.1-mini-2025-04-14'), priceForModel('gpt-4.1-mini'));
  assert.deepEqual(priceForModel('openai/gpt-4o-mini'), priceForModel('gpt-4o-mini'));
  assert.deepEqual(priceForModel('claude-sonnet-4-5-20250929'), priceForModel('claude-sonnet-4-5'));
  assert.equal(priceForModel('claude-haiku-4-5')?.inputPerMillionTokens, 1);
  assert.equal(priceForModel('gemini-2.5-flash')?.outputPerMillionTokens, 2.5);
  assert.notDeepEqual(priceForModel('gemini-2.5-flash-lite'), priceForModel('gemini-2.5-flash'));
  assert.equal(priceForModel('llama3.1:8b'), undefined);
});

test('an unknown model without a configured price costs 0; a configured price overrides the table', () => {
  const unknown = resolveModel({ provider: 'openai-compatible', model: 'my-local', liteModel: 'my-local', baseUrl: 'http://127.0.0.1:1/v1' }, 'smooth');
  assert.deepEqual(unknown.price, { inputPerMillionTokens: 0, outputPerMillionTokens: 0 });
  assert.equal(costInDollars({ inputTokens: 5000, outputTokens: 100 }, unknown.price), 0);
  const overridden = resolveModel(
    { provider: 'openai', model: 'gpt-4.1', liteModel: 'gpt-4.1-mini', apiKey: 'k', price: { inputPerMillionTokens: 1, outputPerMillionTokens: 1 } },
    'smooth',
  );
  assert.equal(overridden.price.inputPerMillionTokens, 1);
  const lite = resolveModel({ provider: 'openai', model: 'gpt-4.1', liteModel: 'gpt-4.1-mini', apiKey: 'k' }, 'smooth-lite');
  assert.equal(lite.tier, 'smooth-lite');
  assert.equal(lite.modelId, 'gpt-4.1-mini');
  assert.equal(lite.provider, 'openai');
  assert.deepEqual(lite.price, priceForModel('gpt-4.1-mini'));
});

test('resolveModel builds each provider\'s language model for the tier\'s model id', () => {
  for (const provider of ['openai', 'anthropic', 'google', 'openai-compatible'] as const) {
    const resolved = resolveModel({ provider, model: 'main-id', liteModel: 'lite-id', apiKey: 'k', baseUrl: 'http://127.0.0.1:1/v1' }, 'smooth');
    assert.equal(typeof resolved.languageModel, 'object');
    assert.equal((resolved.languageModel as { modelId: string }).modelId, 'main-id');
  }
});

test('cost and credits follow the per-million price, with cached input at its own price', () => {
  const price = { inputPerMillionTokens: 2, outputPerMillionTokens: 8, cachedInputPerMillionTokens: 0.5 };
  assert.equal(costInDollars({ inputTokens: 1_000_000, outputTokens: 0 }, price), 2);
  assert.equal(costInDollars({ inputTokens: 1000, outputTokens: 500 }, price), 0.006);
  // 600k uncached at $2 + 400k cached at $0.5 + 100k output at $8 = 1.2 + 0.2 + 0.8
  assert.ok(Math.abs(costInDollars({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 }, price) - 2.2) < 1e-9);
  // Without a cached price, cached tokens cost the input price.
  assert.equal(costInDollars({ inputTokens: 1000, cachedInputTokens: 1000, outputTokens: 0 }, { inputPerMillionTokens: 3, outputPerMillionTokens: 15 }), 0.003);
  assert.equal(creditsFromDollars(0.006), 0.6);
  assert.equal(creditsFromDollars(1), 100);
  assert.equal(creditsFromDollars(0), 0);
});
