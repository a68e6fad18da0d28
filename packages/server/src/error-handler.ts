import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { HttpError } from './http-errors.js';
import { describeIssues } from './parse-wire.js';

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
  if (error instanceof ZodError) return { statusCode: 422, detail: describeIssues(error) };
  if (isFastifyClientError(error)) return { statusCode: error.statusCode, detail: fastifyClientDetail(error) };
  return { statusCode: 500, detail: 'internal server error' };
}

/** The one place errors become `{detail}` bodies; bad input never reads as a 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const body = errorBodyFor(error);
    if (body.statusCode >= 500) {
      // Operators need the cause of a 5xx even when Fastify's logger is off.
      process.stderr.write(`open-smooth: ${request.method} ${request.url} failed: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return reply.status(body.statusCode).send({ detail: body.detail });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ detail: `no route for ${request.method} ${request.url.split('?')[0]}` }));
}
