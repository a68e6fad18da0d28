import { findElementIndex, messageText, type ScriptedModelRequest, type ScriptedReply, type ScriptedToolCall } from '@open-smooth/testkit';
import { observedUrl } from './agent-harness.js';

/** A policy step: what to do on the page the agent sees, or undefined to fall through. */
export type PageRule = (page: ObservedPage) => ScriptedToolCall[] | undefined;

export interface ObservedPage {
  text: string;
  url: URL;
  request: ScriptedModelRequest;
  /** Index of the element that fits; throws (→ HTTP 500 → failed test) when it is missing. */
  index(match: Parameters<typeof findElementIndex>[1]): number;
  has(match: Parameters<typeof findElementIndex>[1]): boolean;
}

export function isExtractionRequest(request: ScriptedModelRequest): boolean {
  const system = request.messages.find((message) => message.role === 'system');
  return system !== undefined && messageText(system.content).includes('return the data asked for as JSON');
}

/** Reads the observation in the agent's last message and applies the first rule that answers. */
export function pagePolicy(rules: PageRule[], extraction?: (request: ScriptedModelRequest) => unknown) {
  return (request: ScriptedModelRequest): ScriptedReply => {
    if (isExtractionRequest(request)) {
      if (!extraction) throw new Error('unexpected extraction call');
      return { text: JSON.stringify(extraction(request)) };
    }
    const text = request.lastUserText;
    const page: ObservedPage = {
      text,
      url: new URL(observedUrl(text) || 'about:blank'),
      request,
      index(match) {
        const found = findElementIndex(text, match);
        if (found === undefined) throw new Error(`element ${JSON.stringify(match, (_key, value) => (value instanceof RegExp ? String(value) : value))} not in observation:\n${text}`);
        return found;
      },
      has: (match) => findElementIndex(text, match) !== undefined,
    };
    for (const rule of rules) {
      const calls = rule(page);
      if (calls) return { text: `On ${page.url.pathname}.`, toolCalls: calls };
    }
    throw new Error(`no rule for this page:\n${text}`);
  };
}

export const call = (name: string, input: Record<string, unknown> = {}): ScriptedToolCall => ({ name, arguments: input });

/** One batch of calls on the first page the agent sees, then `done` once it has the batch's results. */
export function oneBatchThenDone(batch: (page: ObservedPage) => ScriptedToolCall[]) {
  return pagePolicy([(page) => (page.request.lastToolResults.length === 0 ? batch(page) : undefined), () => [call('done', { answer: 'ok' })]]);
}

/** Rows of the Markdown-like tables in an observation, cells trimmed. */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) => line.trim().slice(1, -1).split('|').map((cell) => cell.trim()));
}
