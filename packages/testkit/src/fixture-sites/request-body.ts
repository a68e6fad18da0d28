import type { IncomingMessage } from 'node:http';

/** Refuses bodies above this size; fixtures only ever receive small forms and files. */
const maximumBodyBytes = 20 * 1024 * 1024;

export class RequestBodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${maximumBodyBytes} bytes`);
    this.name = 'RequestBodyTooLargeError';
  }
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maximumBodyBytes) throw new RequestBodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads an application/x-www-form-urlencoded body into a plain record (last value wins). */
export async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const parameters = new URLSearchParams((await readBody(request)).toString('utf8'));
  return Object.fromEntries(parameters.entries());
}

/** Reads a JSON object body; anything else yields an empty object so handlers answer 400 themselves. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse((await readBody(request)).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch (error) {
    if (error instanceof RequestBodyTooLargeError) throw error;
    return {};
  }
}

export function readCookies(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) cookies.set(part.slice(0, separator).trim(), decodeURIComponent(part.slice(separator + 1).trim()));
  }
  return cookies;
}
