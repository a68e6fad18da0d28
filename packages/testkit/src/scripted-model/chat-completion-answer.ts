import { randomBytes } from 'node:crypto';
import type { ScriptedModelRequest, ScriptedReply } from './scripted-model-types.js';

export interface AnswerToolCall {
  id: string;
  name: string;
  /** JSON text as the API sends it. */
  arguments: string;
}

/** A scripted reply turned into what the wire carries: ids assigned, arguments serialized, usage counted. */
export interface ChatCompletionAnswer {
  id: string;
  created: number;
  model: string;
  text: string | undefined;
  toolCalls: AnswerToolCall[];
  finishReason: 'stop' | 'tool_calls';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: { cached_tokens: number } };
}

/** Ids are unique across servers and runs: a random prefix plus a counter. */
const idPrefix = randomBytes(4).toString('hex');
let idCounter = 0;
export function uniqueId(kind: string): string {
  idCounter += 1;
  return `${kind}_${idPrefix}${idCounter.toString(36).padStart(4, '0')}`;
}

/** About four characters per token, never zero, so costs are non-zero without a policy saying so. */
function estimateTokens(characters: number): number {
  return Math.max(1, Math.ceil(characters / 4));
}

export function buildAnswer(request: ScriptedModelRequest, reply: ScriptedReply): ChatCompletionAnswer {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: uniqueId('call'),
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
  }));
  const replyCharacters =
    (reply.text ?? '').length + toolCalls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
  const promptTokens = reply.usage?.promptTokens ?? estimateTokens(request.rawBody.length);
  const completionTokens = reply.usage?.completionTokens ?? estimateTokens(replyCharacters);
  const usage: ChatCompletionAnswer['usage'] = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  if (reply.usage?.cachedPromptTokens !== undefined) usage.prompt_tokens_details = { cached_tokens: reply.usage.cachedPromptTokens };
  return {
    id: uniqueId('chatcmpl'),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    text: reply.text,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    usage,
  };
}

function wireToolCall(call: AnswerToolCall) {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

/** The non-streaming `chat.completion` body. */
export function completionBody(answer: ChatCompletionAnswer): unknown {
  const message: Record<string, unknown> = { role: 'assistant', content: answer.text ?? (answer.toolCalls.length > 0 ? null : '') };
  if (answer.toolCalls.length > 0) message.tool_calls = answer.toolCalls.map(wireToolCall);
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, finish_reason: answer.finishReason, logprobs: null }],
    usage: answer.usage,
  };
}

/** Splits text into a few pieces so clients see real deltas. */
function pieces(text: string, count: number): string[] {
  if (text.length <= 1) return [text];
  const size = Math.ceil(text.length / count);
  const result: string[] = [];
  for (let start = 0; start < text.length; start += size) result.push(text.slice(start, start + size));
  return result;
}

/** The `chat.completion.chunk` objects of a streamed answer, usage chunk last when asked for. */
export function completionChunks(answer: ChatCompletionAnswer, includeUsage: boolean): unknown[] {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '' })];
  if (answer.text) for (const piece of pieces(answer.text, 4)) chunks.push(chunk({ content: piece }));
  answer.toolCalls.forEach((call, index) => {
    // The first delta names the call; the arguments follow in parts, as OpenAI streams them.
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of pieces(call.arguments, 2)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, answer.finishReason));
  if (includeUsage) {
    chunks.push({ id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model, choices: [], usage: answer.usage });
  }
  return chunks;
}
