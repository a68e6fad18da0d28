import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildAnswer, completionBody, completionChunks } from './scripted-model/chat-completion-answer.js';
import { InvalidChatRequestError, parseChatRequest, streamingOptions } from './scripted-model/parse-chat-request.js';
import type { ScriptedModelRequest, ScriptedPolicy } from './scripted-model/scripted-model-types.js';

export type {
  ScriptedChatMessage,
  ScriptedModelRequest,
  ScriptedPolicy,
  ScriptedReply,
  ScriptedToolCall,
  ScriptedToolDefinition,
  ScriptedToolResult,
} from './scripted-model/scripted-model-types.js';
export { findElementIndex, parseObservedElements, type ElementMatch, type ObservedLine } from './scripted-model/observed-elements.js';
export { scriptedSequence } from './scripted-model/scripted-sequence.js';
export { messageImages, messageText } from './scripted-model/parse-chat-request.js';

/** A real OpenAI-compatible chat-completions server on 127.0.0.1 whose answers a test scripts. */
export interface ScriptedModelServer {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  /** Every chat-completions request received, in order. */
  requests: ScriptedModelRequest[];
  setPolicy(policy: ScriptedPolicy): void;
  /** SMOOTH_MODEL_* variables that point the model layer at this server. */
  environment(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

const scriptedModelIds = ['scripted-main', 'scripted-lite'];

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string, type: string): void {
  sendJson(response, status, { error: { message, type, param: null, code: null } });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendStream(response: ServerResponse, chunks: unknown[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const chunk of chunks) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  response.end('data: [DONE]\n\n');
}

/** Starts the server on a free loopback port. */
export async function startScriptedModelServer(initialPolicy: ScriptedPolicy): Promise<ScriptedModelServer> {
  let policy = initialPolicy;
  const requests: ScriptedModelRequest[] = [];
  // Aborted on close() so pending delays do not keep the process alive.
  const shutdown = new AbortController();

  async function answerChat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    let scriptedRequest: ScriptedModelRequest;
    let options: { stream: boolean; includeUsage: boolean };
    try {
      scriptedRequest = parseChatRequest(rawBody, requests.length);
      options = streamingOptions(rawBody);
    } catch (error) {
      if (!(error instanceof InvalidChatRequestError)) throw error;
      sendError(response, 400, error.message, 'invalid_request_error');
      return;
    }
    requests.push(scriptedRequest);
    // A client that gives up (abort signal) closes the connection before the answer is written.
    const clientGone = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) clientGone.abort();
    });
    let reply;
    try {
      reply = await policy(scriptedRequest);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendError(response, 500, `The scripted policy failed: ${message}`, 'server_error');
      return;
    }
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      try {
        await sleep(reply.delayMs, undefined, { signal: AbortSignal.any([clientGone.signal, shutdown.signal]) });
      } catch {
        response.destroy();
        return;
      }
    }
    if (clientGone.signal.aborted) return;
    const answer = buildAnswer(scriptedRequest, reply);
    if (options.stream) sendStream(response, completionChunks(answer, options.includeUsage));
    else sendJson(response, 200, completionBody(answer));
  }

  function listModels(response: ServerResponse): void {
    const created = Math.floor(Date.now() / 1000);
    sendJson(response, 200, {
      object: 'list',
      data: scriptedModelIds.map((id) => ({ id, object: 'model', created, owned_by: 'open-smooth-testkit' })),
    });
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      answerChat(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, error instanceof Error ? error.message : String(error), 'server_error');
        else response.destroy();
      });
    } else if (request.method === 'GET' && path === '/v1/models') {
      listModels(response);
    } else {
      sendError(response, 404, `No route for ${request.method} ${path}`, 'invalid_request_error');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/v1`;

  return {
    baseUrl,
    requests,
    setPolicy(next) {
      policy = next;
    },
    environment(overrides = {}) {
      return {
        SMOOTH_MODEL_PROVIDER: 'openai-compatible',
        SMOOTH_MODEL_BASE_URL: baseUrl,
        SMOOTH_MODEL: 'scripted-main',
        SMOOTH_LITE_MODEL: 'scripted-lite',
        SMOOTH_MODEL_API_KEY: 'test-key',
        SMOOTH_MODEL_PRICE: '2,8',
        SMOOTH_LITE_MODEL_PRICE: '0.4,1.6',
        ...overrides,
      };
    },
    async close() {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
