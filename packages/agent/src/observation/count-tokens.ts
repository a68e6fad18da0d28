import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

let encoder: Tiktoken | undefined;

/** The o200k ranks are several megabytes: load them on first use, once per process. */
function o200kEncoder(): Tiktoken {
  if (!encoder) {
    const require = createRequire(import.meta.url);
    const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/** Tokens of `text` in OpenAI's o200k encoding; special-token markers in page text count as plain text. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return o200kEncoder().encode(text, [], []).length;
}
