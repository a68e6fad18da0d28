import type { CDPSession, Page } from 'playwright-core';
import { withTimeout } from './with-timeout.js';
import { errorMessage } from '@open-smooth/protocol';

/** Default cap on a page script's result, as JSON: 1 MiB. */
export const defaultPageScriptMaxResultBytes = 1024 * 1024;
/** Default time a page script may run: 30 s. */
export const defaultPageScriptTimeoutMs = 30_000;

export interface PageScriptOptions {
  /** The script is stopped (its execution terminated in the renderer) after this long. */
  timeoutMs?: number;
  /** A result larger than this, as JSON, is refused with PageScriptResultTooLargeError. */
  maxResultBytes?: number;
  signal?: AbortSignal;
}

/** The script ran longer than allowed and was terminated; the page stays usable. */
export class PageScriptTimeoutError extends Error {
  override readonly name = 'PageScriptTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the script ran longer than ${timeoutMs / 1000} s and was stopped`);
  }
}

/** The script's result is larger than the cap once serialised. */
export class PageScriptResultTooLargeError extends Error {
  override readonly name = 'PageScriptResultTooLargeError';
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`the script's result is ${formatBytes(bytes)} as JSON, larger than the cap of ${formatBytes(maxBytes)}; return less (a slice, a count, a summary)`);
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}

type SerialisedResult = { json: string } | { tooLargeBytes: number };

/**
 * Runs in the page after the script: turns whatever it produced into JSON text inside the cap,
 * so a huge result never crosses into the server and nothing unserialisable reaches it.
 * BigInt → its decimal string, functions and symbols → a descriptive string, a circular
 * reference → "[circular]", undefined → null at the top level (dropped inside objects, as JSON does).
 */
function serialiseInPage(value: unknown, maxBytes: number): SerialisedResult {
  const ancestors: unknown[] = [];
  const replacer = function (this: unknown, _key: string, item: unknown): unknown {
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'function') return `[function ${(item as { name?: string }).name || 'anonymous'}]`;
    if (typeof item === 'symbol') return item.toString();
    if (item instanceof Error) return { name: item.name, message: item.message };
    if (typeof item !== 'object' || item === null) return item;
    // `this` is the object holding `item`: unwind to it, then `item` is circular when it is an ancestor.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(item)) return '[circular]';
    ancestors.push(item);
    return item;
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(value, replacer);
  } catch (error) {
    json = JSON.stringify(`[unserialisable result: ${error instanceof Error ? error.message : String(error)}]`);
  }
  if (json === undefined) json = 'null';
  const bytes = new TextEncoder().encode(json).length;
  return bytes > maxBytes ? { tooLargeBytes: bytes } : { json };
}

/**
 * The script as the page runs it: the user's expression, awaited, then serialised there. The
 * result crosses as one string (the record of serialiseInPage). tsx/esbuild may add `__name(...)`
 * calls inside serialiseInPage; the page has no `__name`.
 */
function inPageScript(expression: string, maxBytes: number): string {
  return `(async () => { const __name = (target) => target; const serialise = (${serialiseInPage.toString()}); const value = await (${expression}\n); return JSON.stringify(serialise(value, ${maxBytes})); })()`;
}

/**
 * What to run: an expression (its value, awaited when a promise), or a program of statements
 * whose completion value is the result (as in a console).
 */
export type PageScript = { expression: string } | { program: string };

async function evaluateExpression(page: Page, expression: string, maxBytes: number): Promise<SerialisedResult> {
  return JSON.parse(await page.evaluate(inPageScript(expression, maxBytes))) as SerialisedResult;
}

interface RemoteObject {
  type: string;
  objectId?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
}

/**
 * A program has no expression to wrap: run it as is, keep its completion value in the page
 * (objects by reference) and serialise that there. Primitives come back by value.
 */
async function evaluateProgram(session: CDPSession, program: string, maxBytes: number): Promise<SerialisedResult> {
  const evaluated = (await session.send('Runtime.evaluate', { expression: program, awaitPromise: true, returnByValue: false })) as {
    result: RemoteObject;
    exceptionDetails?: { text: string; exception?: RemoteObject };
  };
  if (evaluated.exceptionDetails) throw new Error(evaluated.exceptionDetails.exception?.description ?? evaluated.exceptionDetails.text);
  const { result } = evaluated;
  if (result.objectId === undefined) return serialisePrimitive(result, maxBytes);
  try {
    const serialised = (await session.send('Runtime.callFunctionOn', {
      objectId: result.objectId,
      functionDeclaration: `function (maxBytes) { const __name = (target) => target; return JSON.stringify((${serialiseInPage.toString()})(this, maxBytes)); }`,
      arguments: [{ value: maxBytes }],
      returnByValue: true,
    })) as { result: RemoteObject };
    return JSON.parse(String(serialised.result.value)) as SerialisedResult;
  } finally {
    await session.send('Runtime.releaseObject', { objectId: result.objectId }).catch(() => undefined);
  }
}

function serialisePrimitive(result: RemoteObject, maxBytes: number): SerialisedResult {
  let value: unknown = result.value ?? null;
  // BigInt arrives as "10n"; NaN, Infinity and -0 have no JSON form either.
  if (result.unserializableValue !== undefined) value = result.type === 'bigint' ? result.unserializableValue.replace(/n$/, '') : null;
  if (result.type === 'symbol') value = result.description ?? 'Symbol()';
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  return bytes > maxBytes ? { tooLargeBytes: bytes } : { json };
}

/**
 * Runs a script (an expression, possibly a promise) in the page's main world with a timeout
 * and a result cap, and returns its value as plain JSON data. A script that never yields
 * (`while (true) {}`) is terminated through CDP, which leaves the page usable.
 */
export async function runPageScript(page: Page, script: PageScript, options: PageScriptOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? defaultPageScriptTimeoutMs;
  const maxBytes = options.maxResultBytes ?? defaultPageScriptMaxResultBytes;
  // Opened while the page is idle: attaching to a renderer that is stuck in a loop would never finish.
  const session = await page.context().newCDPSession(page);
  const evaluation = 'expression' in script ? evaluateExpression(page, script.expression, maxBytes) : evaluateProgram(session, script.program, maxBytes);
  let result: SerialisedResult;
  try {
    result = await withTimeout(evaluation, { timeoutMs, timeoutError: () => new PageScriptTimeoutError(timeoutMs), signal: options.signal });
  } catch (error) {
    // Timed out or aborted: the script may still be running in the renderer.
    if (error instanceof PageScriptTimeoutError || options.signal?.aborted) void terminateExecution(session);
    throw error;
  } finally {
    // After a termination the evaluation settles first; the session then goes.
    void evaluation.finally(() => session.detach()).catch(() => undefined);
  }
  return parseSerialisedResult(result, maxBytes);
}

/** Checks again on this side: the page's own globals (JSON, TextEncoder) may have been replaced. */
function parseSerialisedResult(result: unknown, maxBytes: number): unknown {
  if (typeof result !== 'object' || result === null) throw new Error('the page returned no result record');
  if ('tooLargeBytes' in result && typeof result.tooLargeBytes === 'number') throw new PageScriptResultTooLargeError(result.tooLargeBytes, maxBytes);
  if (!('json' in result) || typeof result.json !== 'string') throw new Error('the page returned no result record');
  const bytes = Buffer.byteLength(result.json);
  if (bytes > maxBytes) throw new PageScriptResultTooLargeError(bytes, maxBytes);
  return JSON.parse(result.json) as unknown;
}

/** Stops whatever JavaScript the page is running now; the page and its later scripts are unaffected. */
async function terminateExecution(session: CDPSession): Promise<void> {
  try {
    await session.send('Runtime.terminateExecution');
  } catch (error) {
    // The page may be gone already (closed tab): there is nothing left to stop.
    process.emitWarning(`open-smooth: could not stop a page script: ${errorMessage(error)}`);
  }
}
