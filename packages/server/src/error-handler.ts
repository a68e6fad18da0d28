import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { HttpError } from './http-errors.js';
import { describeIssues } from './parse-wire.js';
import { DatabaseUnavailableError } from './store/database-unavailable-error.js';
import { TaskError, type TaskErrorKind } from './tasks/task-errors.js';

/** The task domain's refusals as HTTP statuses. */
const statusOfTaskError: Record<TaskErrorKind, number> = { not_found: 404, invalid: 400, unusable: 422, conflict: 409, limit: 429, unavailable: 503 };

interface ErrorBody {
  statusCode: number;
  detail: string;
}

/** Fastify's own errors (bad JSON, body too large, bad multipart) keep their 4xx status. */
function isFastifyClientError(error: unknown): error is FastifyError & { statusCode: number } {
  if (typeof error !== 'object' || error === null) return false;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

function fastifyClientDetail(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return `request body too large: ${error.message}`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type: ${error.message}`;
    default:
      return error.message;
  }
}

export function errorBodyFor(error: unknown): ErrorBody {
  if (error instanceof HttpError) return { statusCode: error.statusCode, detail: error.message };
  if (error instanceof TaskError) return { statusCode: statusOfTaskError[error.kind], detail: error.message };
  if (error instanceof DatabaseUnavailableError) return { statusCode: 503, detail: error.message };
  if (error instanceof ZodError) return { statusCode: 422, detail: describeIssues(error) };
  if (isFastifyClientError(error)) return { statusCode: error.statusCode, detail: fastifyClientDetail(error) };
  return { statusCode: 500, detail: 'internal server error' };
}

/**
 * An oversized body is answered before the client has sent it all. Fastify then closes the
 * connection, and a client still writing (fetch, the SDKs) gets EPIPE instead of the 413 and its
 * detail. Node's parser knows where the body ends, so the rest is read and dropped instead and the
 * connection stays open for the answer (the request timeout still bounds a client that never ends).
 */
function keepConnectionForTheAnswer(request: FastifyRequest, reply: FastifyReply): void {
  if (request.raw.complete) return;
  reply.removeHeader('connection');
  request.raw.resume();
}

/** The one place errors become `{detail}` bodies; bad input never reads as a 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const body = errorBodyFor(error);
    if (error instanceof DatabaseUnavailableError) {
      // Every request says the same while the database is away: a warning each, not an error with a stack.
      request.log.warn({ method: request.method, route: request.routeOptions.url, reason: error.message }, 'answered 503: the database does not answer');
    } else if (body.statusCode >= 500) {
      // The route's pattern, not its URL: a path may carry a downloads token.
      request.log.error({ err: error, method: request.method, route: request.routeOptions.url }, 'request failed');
    }
    if (body.statusCode === 413) keepConnectionForTheAnswer(request, reply);
    return reply.status(body.statusCode).send({ detail: body.detail });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ detail: `no route for ${request.method} ${request.url.split('?')[0]}` }));
}

const statusTexts: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** What Node's HTTP parser reports, in words a client can act on. */
function clientErrorBody(error: Error & { code?: string }): ErrorBody {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { statusCode: 431, detail: 'the request headers are too large (at most 16 KiB in all); send fewer or smaller headers' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { statusCode: 408, detail: 'the request did not arrive in time; send the whole body its Content-Length announces' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { statusCode: 400, detail: 'invalid Content-Length header: send one decimal length that matches the body' };
    case 'HPE_INVALID_EOF_STATE':
      return { statusCode: 400, detail: 'the connection ended before the body its Content-Length announces' };
    default:
      return { statusCode: 400, detail: `malformed HTTP request: ${error.message}` };
  }
}

/**
 * Errors below Fastify (Node's HTTP parser: oversized headers, bad framing, timeouts) get the
 * same `{detail}` body as everything else, written straight to the socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { statusCode, detail } = clientErrorBody(error);
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${statusTexts[statusCode] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Errors Fastify raises before routing (a URL that is not valid percent-encoding). */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ detail: 'the URL is not valid percent-encoding (a % must be followed by two hex digits of UTF-8); encode it with encodeURIComponent' });
    return;
  }
  const body = errorBodyFor(error);
  void reply.status(body.statusCode).send({ detail: body.detail });
}
