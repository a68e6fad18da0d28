import type { ModelMessage, ToolCallPart, ToolResultPart } from 'ai';
import type { ActionRecord } from '@open-smooth/protocol';
import type { ModelToolCall } from './run-action.js';

/** The model's turn as history: its text and the tool calls it made. */
export function assistantMessage(text: string, calls: ModelToolCall[]): ModelMessage {
  const parts: Array<{ type: 'text'; text: string } | ToolCallPart> = [];
  if (text) parts.push({ type: 'text', text });
  for (const call of calls) parts.push({ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: call.input ?? {} });
  return { role: 'assistant', content: parts.length > 0 ? parts : [{ type: 'text', text: '(no action)' }] };
}

/** One tool result per call, in call order (skipped calls included). */
export function toolMessages(records: ActionRecord[], calls: ModelToolCall[]): ModelMessage[] {
  if (calls.length === 0) return [];
  const content: ToolResultPart[] = calls.map((call, index) => ({
    type: 'tool-result',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: { type: 'text', value: records[index]?.result ?? '' },
  }));
  return [{ role: 'tool', content }];
}

export function skippedRecord(call: ModelToolCall, why: string): ActionRecord {
  return { name: call.toolName, input: call.input, result: `Skipped: ${why}.`, ok: false };
}
