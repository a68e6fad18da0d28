import type { IncomingMessage } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';

/** Longest the worker may take to accept the relay's connection. */
const connectTimeoutMs = 10_000;
/** Longest the worker may take to answer the upgrade (held control connections only). */
const answerTimeoutMs = 30_000;
/** A worker's response head (or refusal) larger than this is not a tunnel's answer. */
const maxAnswerBytes = 64 * 1024;

/** What the worker answered a relayed upgrade that the relay had answered already; `unreachable` when nothing answered at its address. */
export type HeldRelayOutcome = { piped: true } | { piped: false; status: number; detail: string; unreachable?: true };

/** Whether a relayed upgrade reached the worker; when it did not, the client's socket is untouched (paused, unanswered). */
export type RelayOutcome = { relayed: true } | { relayed: false; reason: string };

/** The request head as the client sent it (header names and order kept), ready to send on. */
export function serializeRequestHead(request: IncomingMessage): Buffer {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) lines.push(`${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** A connection to the worker's listener (TLS for an https worker URL). */
function connectToWorker(workerUrl: string): Socket {
  const url = new URL(workerUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'https:') return connectTls({ host, port: Number(url.port || 443), servername: host });
  return connectTcp({ host, port: Number(url.port || 80) });
}

/** Resolves once connected; rejects on error or after connectTimeoutMs. */
function whenConnected(worker: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.destroy();
      reject(new Error(`the worker did not accept a connection within ${connectTimeoutMs / 1000} s`));
    }, connectTimeoutMs);
    const connectEvent = 'encrypted' in worker ? 'secureConnect' : 'connect';
    worker.once(connectEvent, () => {
      clearTimeout(timer);
      worker.off('error', onError);
      resolve();
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    worker.once('error', onError);
  });
}

export function pipeSocketsBothWays(client: Duplex, worker: Duplex): void {
  client.pipe(worker);
  worker.pipe(client);
  const end = () => {
    client.destroy();
    worker.destroy();
  };
  client.once('close', end);
  worker.once('close', end);
  client.on('error', end);
  worker.on('error', end);
  client.resume();
}

/**
 * Sends an upgrade request this process received on to a worker, byte for byte, and pipes the
 * two sockets: the worker authenticates it and answers the 101 (or refuses) exactly as if the
 * client had reached it directly. When the worker cannot be reached nothing is sent to the client:
 * the caller answers it (it knows the task, and whether to serve it here instead).
 */
export async function relayUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, workerUrl: string): Promise<RelayOutcome> {
  client.pause();
  const worker = connectToWorker(workerUrl);
  const clientGone = () => worker.destroy();
  client.once('close', clientGone);
  try {
    await whenConnected(worker);
  } catch (error) {
    client.off('close', clientGone);
    worker.destroy();
    return { relayed: false, reason: (error as Error).message };
  }
  client.off('close', clientGone);
  worker.write(Buffer.concat([serializeRequestHead(request), head]));
  pipeSocketsBothWays(client, worker);
  return { relayed: true };
}

/**
 * Like relayUpgrade, for a client this process has answered with its own 101 already (a tunnel
 * control connection held while its task waited for a worker): the worker's response head is
 * read here and dropped when it is a 101, and the sockets are piped after it. Any other answer is
 * returned (the caller decides whether to try again) and the client's socket is left untouched.
 */
export async function relayHeldUpgrade(request: IncomingMessage, client: Duplex, workerUrl: string): Promise<HeldRelayOutcome> {
  const worker = connectToWorker(workerUrl);
  try {
    await whenConnected(worker);
  } catch (error) {
    worker.destroy();
    return { piped: false, status: 502, detail: `the worker running this task cannot be reached: ${(error as Error).message}`, unreachable: true };
  }
  worker.write(serializeRequestHead(request));
  const answer = await readAnswerHead(worker);
  if (answer.status !== 101) {
    worker.destroy();
    return { piped: false, status: answer.status, detail: answer.detail };
  }
  if (answer.rest.length > 0) client.write(answer.rest);
  pipeSocketsBothWays(client, worker);
  return { piped: true };
}

interface AnswerHead {
  status: number;
  /** What follows the head (a refusal's body, or the first tunnelled bytes after a 101). */
  rest: Buffer;
  detail: string;
}

/** Reads the worker's response head; a refusal is read to its end (the worker closes it) for its detail. */
function readAnswerHead(worker: Socket): Promise<AnswerHead> {
  return new Promise<AnswerHead>((resolve) => {
    let received = Buffer.alloc(0);
    let status = 0;
    let headEnd = -1;
    const timer = setTimeout(() => finish(), answerTimeoutMs);
    const finish = () => {
      clearTimeout(timer);
      worker.off('data', onData);
      worker.off('end', finish);
      worker.off('close', finish);
      worker.off('error', finish);
      const rest = headEnd === -1 ? Buffer.alloc(0) : received.subarray(headEnd + 4);
      if (status === 101) worker.pause();
      resolve({ status: status || 502, rest, detail: status === 0 ? 'the worker closed the connection without answering' : detailOf(rest.toString('utf8')) });
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (headEnd === -1) {
        headEnd = received.indexOf('\r\n\r\n');
        if (headEnd === -1) {
          if (received.length > maxAnswerBytes) finish();
          return;
        }
        status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0);
        if (status === 101 || status === 0) return finish();
      }
      if (received.length > maxAnswerBytes) finish();
    };
    worker.on('data', onData);
    worker.once('end', finish);
    worker.once('close', finish);
    worker.once('error', finish);
  });
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // Not JSON: the text says enough.
  }
  return body.trim();
}
