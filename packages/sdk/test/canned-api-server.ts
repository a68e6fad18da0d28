import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the canned server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: Buffer;
}

export interface CannedReply {
  status: number;
  body?: unknown;
  /** Sent as is instead of JSON. */
  text?: string;
}

export type CannedHandler = (request: RecordedRequest) => CannedReply | Promise<CannedReply>;

/**
 * A real HTTP server on 127.0.0.1 that answers with whatever the test scripts: enough to
 * exercise the SDK's own edge cases (error bodies, odd event orders) without the real server.
 */
export async function startCannedApiServer(handler: CannedHandler): Promise<{
  baseUrl: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let body: unknown = undefined;
    if (rawBody.length && String(request.headers['content-type']).includes('json')) body = JSON.parse(rawBody.toString('utf8'));
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body, rawBody };
    requests.push(recorded);
    const reply = await handler(recorded);
    if (reply.text !== undefined) {
      response.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.text);
    } else {
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? null));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
