import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { costInDollars, creditsFromDollars, modelSettingsFromEnvironment, resolveModel, tokenUsageFromSdk } from '../src/model/index.js';
import { scriptedSequence, startScriptedModelServer } from '@open-smooth/testkit';

const browserTools = {
  click: tool({ description: 'Click an element by index', inputSchema: z.object({ index: z.number() }) }),
  type: tool({ description: 'Type text into an element', inputSchema: z.object({ index: z.number(), text: z.string() }) }),
};

test('generateText returns several scripted tool calls with parsed arguments, usage and cost', async () => {
  const server = await startScriptedModelServer(() => ({
    toolCalls: [
      { name: 'type', arguments: { index: 4, text: 'London' } },
      { name: 'click', arguments: { index: 7 } },
    ],
    usage: { promptTokens: 1000, completionTokens: 500 },
  }));
  try {
    const model = resolveModel(modelSettingsFromEnvironment(server.environment()), 'smooth');
    assert.equal(model.modelId, 'scripted-main');
    const result = await generateText({
      model: model.languageModel,
      system: 'You drive a browser.',
      prompt: 'Search flights from London. Page: [4] textbox "From"',
      tools: browserTools,
    });
    assert.deepEqual(
      result.toolCalls.map((call) => ({ name: call.toolName, input: call.input })),
      [
        { name: 'type', input: { index: 4, text: 'London' } },
        { name: 'click', input: { index: 7 } },
      ],
    );
    assert.notEqual(result.toolCalls[0]?.toolCallId, result.toolCalls[1]?.toolCallId);
    const usage = tokenUsageFromSdk(result.usage);
    assert.equal(usage.inputTokens, 1000);
    assert.equal(usage.outputTokens, 500);
    const dollars = costInDollars(usage, model.price);
    assert.equal(dollars, 0.006);
    assert.equal(creditsFromDollars(dollars), 0.6);

    const request = server.requests[0];
    assert.ok(request);
    assert.equal(request.model, 'scripted-main');
    assert.equal(request.lastUserText, 'Search flights from London. Page: [4] textbox "From"');
    assert.deepEqual(request.tools.map((definition) => definition.name), ['click', 'type']);
    assert.match(request.rawBody, /You drive a browser\./);
  } finally {
    await server.close();
  }
});

test('streamText streams text and tool calls and reports usage through the lite model', async () => {
  const server = await startScriptedModelServer(() => ({
    text: 'Opening the second page of results now.',
    toolCalls: [{ name: 'click', arguments: { index: 12 } }],
  }));
  try {
    const model = resolveModel(modelSettingsFromEnvironment(server.environment()), 'smooth-lite');
    const result = streamText({ model: model.languageModel, prompt: 'Go to page 2', tools: browserTools });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    assert.ok(deltas.length > 1, 'text arrives in several deltas');
    assert.equal(deltas.join(''), 'Opening the second page of results now.');
    const toolCalls = await result.toolCalls;
    assert.deepEqual(toolCalls.map((call) => [call.toolName, call.input]), [['click', { index: 12 }]]);
    const usage = tokenUsageFromSdk(await result.usage);
    assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0, 'estimated usage is reported in the final chunk');
    assert.ok(costInDollars(usage, model.price) > 0);
    assert.equal(server.requests[0]?.model, 'scripted-lite');
  } finally {
    await server.close();
  }
});

test('a tool result round trip: the second call sees the tool messages', async () => {
  const server = await startScriptedModelServer(
    scriptedSequence(
      { toolCalls: [{ name: 'click', arguments: { index: 3 } }, { name: 'click', arguments: { index: 5 } }] },
      (request) => ({ text: `Done after ${request.lastToolResults.map((result) => result.content).join(' and ')}` }),
    ),
  );
  try {
    const model = resolveModel(modelSettingsFromEnvironment(server.environment()), 'smooth');
    const result = await generateText({
      model: model.languageModel,
      prompt: 'Click both buttons',
      tools: {
        click: tool({
          description: 'Click an element by index',
          inputSchema: z.object({ index: z.number() }),
          execute: async ({ index }) => `clicked ${index}`,
        }),
      },
      stopWhen: stepCountIs(3),
    });
    assert.equal(result.text, 'Done after clicked 3 and clicked 5');
    assert.equal(server.requests.length, 2);
    const second = server.requests[1];
    assert.ok(second);
    assert.equal(second.callIndex, 1);
    assert.deepEqual(
      second.lastToolResults.map((toolResult) => ({ name: toolResult.name, content: toolResult.content })),
      [
        { name: 'click', content: 'clicked 3' },
        { name: 'click', content: 'clicked 5' },
      ],
    );
    assert.equal(second.lastUserText, 'Click both buttons');
  } finally {
    await server.close();
  }
});

// The test timeout is the proof of promptness: without a working abort it would wait ten minutes.
test('an AbortSignal cancels a slow reply', { timeout: 30_000 }, async () => {
  const server = await startScriptedModelServer(() => ({ text: 'too late', delayMs: 600_000 }));
  try {
    const model = resolveModel(modelSettingsFromEnvironment(server.environment()), 'smooth');
    const controller = new AbortController();
    const pending = generateText({ model: model.languageModel, prompt: 'wait', abortSignal: controller.signal, maxRetries: 0 });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await assert.rejects(pending, (error: unknown) => error instanceof Error && error.name === 'AbortError');
  } finally {
    await server.close();
  }
});

test('the openai provider (chat completions) works against the same server, streaming and not', async () => {
  const server = await startScriptedModelServer(() => ({
    text: 'Filling the form.',
    toolCalls: [
      { name: 'type', arguments: { index: 1, text: 'Ada' } },
      { name: 'type', arguments: { index: 2, text: 'Lovelace' } },
    ],
    usage: { promptTokens: 2000, completionTokens: 100, cachedPromptTokens: 1000 },
  }));
  try {
    const settings = modelSettingsFromEnvironment(server.environment({ SMOOTH_MODEL_PROVIDER: 'openai', SMOOTH_MODEL: 'gpt-4.1' }));
    assert.equal(settings.provider, 'openai');
    const model = resolveModel(settings, 'smooth');
    const generated = await generateText({ model: model.languageModel, prompt: 'Fill the name form', tools: browserTools });
    assert.equal(generated.text, 'Filling the form.');
    assert.deepEqual(generated.toolCalls.map((call) => call.input), [{ index: 1, text: 'Ada' }, { index: 2, text: 'Lovelace' }]);
    const streamed = streamText({ model: model.languageModel, prompt: 'Fill the name form', tools: browserTools });
    assert.deepEqual((await streamed.toolCalls).map((call) => call.input), [{ index: 1, text: 'Ada' }, { index: 2, text: 'Lovelace' }]);
    const usage = tokenUsageFromSdk(await streamed.usage);
    assert.equal(usage.inputTokens, 2000);
    assert.equal(usage.cachedInputTokens, 1000);
    // SMOOTH_MODEL_PRICE has no cached price, so cached tokens cost the input price.
    assert.equal(costInDollars(usage, model.price), 0.0048);
    const cachedPrice = { ...model.price, cachedInputPerMillionTokens: 0.5 };
    assert.equal(costInDollars(usage, cachedPrice), 0.0033);
    assert.equal(server.requests.length, 2);
    assert.ok(server.requests.every((request) => request.model === 'gpt-4.1'));
  } finally {
    await server.close();
  }
});
