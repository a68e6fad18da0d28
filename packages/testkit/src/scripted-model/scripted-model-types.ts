/** A tool call the scripted model answers with; a string `arguments` is sent verbatim (e.g. malformed JSON). */
export interface ScriptedToolCall {
  name: string;
  arguments: unknown;
}

export interface ScriptedReply {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Reported token usage; estimated from the characters exchanged when absent. cachedPromptTokens is part of promptTokens. */
  usage?: { promptTokens: number; completionTokens: number; cachedPromptTokens?: number };
  /** Wait before answering; the wait ends early when the client disconnects. */
  delayMs?: number;
}

export interface ScriptedChatMessage {
  role: string;
  content: unknown;
  tool_calls?: unknown;
  tool_call_id?: string;
}

export interface ScriptedToolDefinition {
  name: string;
  description?: string;
  parameters: unknown;
}

export interface ScriptedToolResult {
  toolCallId: string;
  /** Name of the tool, looked up from the assistant message that called it. */
  name?: string;
  content: string;
}

/** One chat-completions request as the scripted model saw it. */
export interface ScriptedModelRequest {
  model: string;
  messages: ScriptedChatMessage[];
  tools: ScriptedToolDefinition[];
  toolChoice?: unknown;
  responseFormat?: unknown;
  /** Text of the last user message. */
  lastUserText: string;
  /** Image parts of the last user message, as the URLs sent (data: URLs for attached pictures). */
  lastUserImages: string[];
  /** Tool messages after the last assistant message. */
  lastToolResults: ScriptedToolResult[];
  /** The request body exactly as received, for searching leaked secrets. */
  rawBody: string;
  /** 0 for the first request the server received. */
  callIndex: number;
}

export type ScriptedPolicy = (request: ScriptedModelRequest) => ScriptedReply | Promise<ScriptedReply>;
