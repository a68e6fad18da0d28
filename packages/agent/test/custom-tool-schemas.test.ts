import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateText } from 'ai';
import type { CustomTool } from '@open-smooth/protocol';
import { customToolAction } from '../src/actions/custom-tool-action.js';
import { customToolInputSchema } from '../src/actions/custom-tool-input-schema.js';
import { resolveModel } from '../src/model/resolve-model.js';
import { toolSetFor } from '../src/tool-set.js';

// Every shape of `inputs` a client may send, as the model providers receive it: OpenAI's
// `parameters` and Anthropic's `input_schema` must be an object schema.

const toolsAsSent: CustomTool[] = [
  { name: 'full_schema', description: 'A JSON schema of an object', inputs: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] }, output: 'a code' },
  { name: 'parameter_map', description: 'The official SDK docs form', inputs: { question: { type: 'string', description: 'What to ask' }, urgent: { type: 'boolean', default: false } }, output: 'string' },
  { name: 'no_parameters', description: 'inputs={}', inputs: {}, output: 'any' },
  { name: 'bare_string', description: 'A non-object schema', inputs: { type: 'string', description: 'A URL' }, output: 'string' },
  { name: 'any_of', description: 'A union schema', inputs: { anyOf: [{ type: 'string' }, { type: 'number' }] }, output: 'string' },
  { name: 'properties_only', description: 'An object schema without its type', inputs: { properties: { city: { type: 'string' } } }, output: 'string' },
  { name: 'bare_type_names', description: 'Parameter map with bare type names', inputs: { city: 'string', days: 'integer' }, output: 'string' },
  { name: 'parameter_called_type', description: 'A parameter named like a keyword', inputs: { type: { type: 'string' }, items: { type: 'array', items: { type: 'string' } } }, output: 'string' },
];

test('custom tool inputs are normalised to an object schema; the parameters stay as the client meant them', () => {
  const schemas = Object.fromEntries(toolsAsSent.map((tool) => [tool.name, customToolInputSchema(tool.inputs)]));
  assert.deepEqual(schemas.full_schema, { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] });
  assert.deepEqual(schemas.parameter_map, {
    type: 'object',
    properties: { question: { type: 'string', description: 'What to ask' }, urgent: { type: 'boolean', default: false } },
    required: ['question'],
  });
  assert.deepEqual(schemas.no_parameters, { type: 'object', properties: {}, required: [] });
  assert.deepEqual(schemas.bare_string, { type: 'object', properties: { input: { type: 'string', description: 'A URL' } }, required: ['input'] });
  assert.deepEqual(schemas.any_of, { type: 'object', properties: { input: { anyOf: [{ type: 'string' }, { type: 'number' }] } }, required: ['input'] });
  assert.deepEqual(schemas.properties_only, { type: 'object', properties: { city: { type: 'string' } } });
  assert.deepEqual(schemas.bare_type_names, { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] });
  assert.deepEqual(schemas.parameter_called_type, {
    type: 'object',
    properties: { type: { type: 'string' }, items: { type: 'array', items: { type: 'string' } } },
    required: ['type', 'items'],
  });
});

/** A provider endpoint on 127.0.0.1 that records request bodies and answers "ok" in the provider's format. */
async function startProviderRecorder(): Promise<{ url: string; bodies: any[]; close: () => Promise<void> }> {
  const bodies: any[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    bodies.push(JSON.parse(text));
    response.setHeader('content-type', 'application/json');
    if (request.url?.endsWith('/messages')) {
      response.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }));
    } else {
      response.end(JSON.stringify({ id: 'chat_1', object: 'chat.completion', created: 1, model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('every custom tool reaches OpenAI and Anthropic, as the AI SDK encodes their requests, with an object schema', async (t) => {
  const recorder = await startProviderRecorder();
  t.after(() => recorder.close());
  const tools = toolSetFor(toolsAsSent.map((tool) => customToolAction(tool, async () => 'unused')));
  for (const provider of ['openai', 'anthropic'] as const) {
    const model = resolveModel({ provider, model: 'test-model', liteModel: 'test-model', baseUrl: recorder.url, apiKey: 'sk-test' }, 'smooth');
    await generateText({ model: model.languageModel, tools, prompt: 'Use a tool if you need one.' });
  }
  const [openAiBody, anthropicBody] = recorder.bodies;
  const openAiSchemas = Object.fromEntries(openAiBody.tools.map((tool: any) => [tool.function.name, tool.function.parameters]));
  const anthropicSchemas = Object.fromEntries(anthropicBody.tools.map((tool: any) => [tool.name, tool.input_schema]));
  for (const tool of toolsAsSent) {
    for (const [provider, schema] of [['OpenAI', openAiSchemas[tool.name]], ['Anthropic', anthropicSchemas[tool.name]]] as const) {
      assert.equal(schema?.type, 'object', `${provider} gets ${tool.name} with a top-level object schema`);
      assert.equal(typeof schema.properties, 'object', `${provider}: ${tool.name} has properties`);
    }
  }
  assert.equal(openAiBody.tools.find((tool: any) => tool.function.name === 'parameter_map').type, 'function');
  assert.deepEqual(anthropicSchemas.bare_string.required, ['input']);
});
