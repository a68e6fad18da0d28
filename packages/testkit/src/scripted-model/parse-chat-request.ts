import type { ScriptedChatMessage, ScriptedModelRequest, ScriptedToolDefinition, ScriptedToolResult } from './scripted-model-types.js';

/** The request body is not a chat-completions request. */
export class InvalidChatRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidChatRequestError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message content is a string or an array of parts; only text parts carry text. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** The URLs of a message's image parts (`{type: "image_url", image_url: {url}}`). */
export function messageImages(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) =>
    isRecord(part) && part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string' ? [part.image_url.url] : [],
  );
}

function parseMessages(value: unknown): ScriptedChatMessage[] {
  if (!Array.isArray(value)) throw new InvalidChatRequestError('messages must be an array');
  return value.map((message, position) => {
    if (!isRecord(message) || typeof message.role !== 'string') {
      throw new InvalidChatRequestError(`messages[${position}] must be an object with a role`);
    }
    const parsed: ScriptedChatMessage = { role: message.role, content: message.content };
    if (message.tool_calls !== undefined) parsed.tool_calls = message.tool_calls;
    if (typeof message.tool_call_id === 'string') parsed.tool_call_id = message.tool_call_id;
    return parsed;
  });
}

function parseTools(value: unknown): ScriptedToolDefinition[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((tool) => {
    const definition = isRecord(tool) && isRecord(tool.function) ? tool.function : undefined;
    if (!definition || typeof definition.name !== 'string') return [];
    const parsed: ScriptedToolDefinition = { name: definition.name, parameters: definition.parameters };
    if (typeof definition.description === 'string') parsed.description = definition.description;
    return [parsed];
  });
}

/** Tool names by call id, from the assistant messages' tool_calls. */
function toolNamesById(messages: ScriptedChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (!Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls) {
      if (isRecord(call) && typeof call.id === 'string' && isRecord(call.function) && typeof call.function.name === 'string') {
        names.set(call.id, call.function.name);
      }
    }
  }
  return names;
}

function lastToolResults(messages: ScriptedChatMessage[]): ScriptedToolResult[] {
  const lastAssistant = messages.findLastIndex((message) => message.role === 'assistant');
  const names = toolNamesById(messages);
  return messages
    .slice(lastAssistant + 1)
    .filter((message) => message.role === 'tool')
    .map((message) => {
      const toolCallId = message.tool_call_id ?? '';
      const result: ScriptedToolResult = { toolCallId, content: messageText(message.content) };
      const name = names.get(toolCallId);
      if (name !== undefined) result.name = name;
      return result;
    });
}

/** Reads a chat-completions body into what a policy needs. */
export function parseChatRequest(rawBody: string, callIndex: number): ScriptedModelRequest {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new InvalidChatRequestError('the request body is not JSON');
  }
  if (!isRecord(body)) throw new InvalidChatRequestError('the request body must be a JSON object');
  const messages = parseMessages(body.messages);
  const lastUser = messages.findLast((message) => message.role === 'user');
  const request: ScriptedModelRequest = {
    model: typeof body.model === 'string' ? body.model : '',
    messages,
    tools: parseTools(body.tools),
    lastUserText: lastUser ? messageText(lastUser.content) : '',
    lastUserImages: lastUser ? messageImages(lastUser.content) : [],
    lastToolResults: lastToolResults(messages),
    rawBody,
    callIndex,
  };
  if (body.tool_choice !== undefined) request.toolChoice = body.tool_choice;
  if (body.response_format !== undefined) request.responseFormat = body.response_format;
  return request;
}

/** Whether the client asked for SSE, and for the final usage chunk. */
export function streamingOptions(rawBody: string): { stream: boolean; includeUsage: boolean } {
  const body: unknown = JSON.parse(rawBody);
  if (!isRecord(body)) return { stream: false, includeUsage: false };
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  return { stream: body.stream === true, includeUsage };
}
