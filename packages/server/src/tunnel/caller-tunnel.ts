import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ProxySettings } from '@open-smooth/browser';
import { errorMessage } from '@open-smooth/protocol';

/** Longest a browser connection waits for the caller to open its side of one stream. */
const streamOpenTimeoutMs = 15_000;
/** A proxy request head larger than this is refused. */
const maxHeadBytes = 64 * 1024;

export class CallerTunnelError extends Error {
  override readonly name = 'CallerTunnelError';
}

interface PendingStream {
  resolve: (socket: Socket) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The server side of proxy_server "self": the task's traffic leaves through the caller's machine.
 *
 * The task's context uses a local HTTP proxy endpoint (127.0.0.1, credentials of its own, so no
 * other local process can use it). For each connection the browser makes through it, the tunnel
 * asks the caller over its control connection (`open <id> <host> <port>`); the caller connects to
 * host:port on its machine and opens a data connection for that id (see tunnel-endpoint.ts); the
 * two are then piped. The destination is resolved and reached on the caller's machine only: the
 * server never connects to it. Our SDK and CLI run the caller's side (caller-tunnel-client.node.ts).
 */
export class CallerTunnel {
  readonly #username = 'caller-tunnel';
  readonly #password = randomBytes(18).toString('base64url');
  readonly #pending = new Map<string, PendingStream>();
  readonly #sockets = new Set<Socket>();
  #callerWaiters: Array<() => void> = [];
  #control: Socket | undefined;
  #server: Server | undefined;
  #starting: Promise<ProxySettings> | undefined;
  #closed = false;

  get isCallerConnected(): boolean {
    return this.#control !== undefined;
  }

  /** Starts the local endpoint once; the proxy settings the task's context uses. */
  start(): Promise<ProxySettings> {
    this.#starting ??= new Promise<ProxySettings>((resolve, reject) => {
      const server = createServer((socket) => this.#onBrowserConnection(socket));
      this.#server = server;
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        resolve({ server: `http://127.0.0.1:${port}`, username: this.#username, password: this.#password, viaCaller: true });
      });
    });
    return this.#starting;
  }

  /** Resolves once the caller's control connection is up; rejects after timeoutMs. */
  waitForCaller(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#control) return Promise.resolve();
    if (this.#closed) return Promise.reject(new CallerTunnelError('the tunnel is closed'));
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#callerWaiters = this.#callerWaiters.filter((waiter) => waiter !== done);
        reject(
          new CallerTunnelError(
            `proxy_server "self": the caller's tunnel did not connect within ${Math.round(timeoutMs / 1000)} s. Open Smooth's SDK and CLI open it ` +
              "when they create the task; smooth.sh's own SDKs use an FRP client, which this server does not speak.",
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new CallerTunnelError('the task ended before the caller connected its tunnel'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#callerWaiters.push(done);
    });
  }

  /** The caller's control connection (a newer one replaces an older one). */
  attachControl(socket: Socket): void {
    if (this.#closed) return void socket.destroy();
    this.#control?.destroy();
    this.#control = socket;
    this.#track(socket);
    socket.setNoDelay(true);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        this.#onCallerLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
      if (buffered.length > maxHeadBytes) socket.destroy();
    });
    socket.once('close', () => {
      if (this.#control === socket) this.#control = undefined;
    });
    const waiters = this.#callerWaiters;
    this.#callerWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** The caller's data connection for one stream; false when no stream with that id is waiting. */
  attachStream(streamId: string, socket: Socket): boolean {
    const pending = this.#pending.get(streamId);
    if (!pending || this.#closed) return false;
    this.#pending.delete(streamId);
    clearTimeout(pending.timer);
    this.#track(socket);
    pending.resolve(socket);
    return true;
  }

  /** Ends the tunnel: the endpoint stops, every connection closes, the caller's side hears it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new CallerTunnelError('the tunnel closed'));
      this.#pending.delete(id);
    }
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #onCallerLine(line: string): void {
    // `fail <id> <reason>`: the caller could not reach the destination.
    const failure = /^fail (\S+) ?(.*)$/.exec(line.trim());
    if (!failure) return;
    const pending = this.#pending.get(failure[1] ?? '');
    if (!pending) return;
    this.#pending.delete(failure[1] ?? '');
    clearTimeout(pending.timer);
    pending.reject(new CallerTunnelError(`the caller's machine could not connect: ${failure[2] || 'unknown reason'}`));
  }

  async #openStream(host: string, port: number): Promise<Socket> {
    const control = this.#control;
    if (!control) throw new CallerTunnelError("the caller's tunnel is not connected");
    const id = randomBytes(12).toString('hex');
    const stream = new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CallerTunnelError(`the caller did not open a connection to ${host}:${port} within ${streamOpenTimeoutMs / 1000} s`));
      }, streamOpenTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    control.write(`open ${id} ${host} ${port}\n`);
    return stream;
  }

  #onBrowserConnection(socket: Socket): void {
    this.#track(socket);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > maxHeadBytes) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      void this.#forward(socket, head.subarray(0, end).toString('latin1'), head.subarray(end + 4)).catch((error: unknown) => {
        const reason = errorMessage(error);
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${reason}\n`);
      });
    };
    socket.on('data', onData);
  }

  async #forward(socket: Socket, head: string, rest: Buffer): Promise<void> {
    const [requestLine = '', ...headerLines] = head.split('\r\n');
    const [method = '', target = ''] = requestLine.split(' ');
    const headers = headerLines.map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()] as const);
    const authorization = headers.find(([name]) => name.toLowerCase() === 'proxy-authorization')?.[1];
    const expected = `Basic ${Buffer.from(`${this.#username}:${this.#password}`).toString('base64')}`;
    if (authorization !== expected) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="open-smooth"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (method === 'CONNECT') {
      const { host, port } = splitHostPort(target, 443);
      const stream = await this.#openStream(host, port);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (rest.length > 0) stream.write(rest);
      pipeBothWays(socket, stream);
      return;
    }
    // A plain HTTP request in absolute form: sent on in origin form, one request per connection.
    const url = new URL(target);
    if (url.protocol !== 'http:') throw new CallerTunnelError(`cannot proxy ${url.protocol} requests`);
    const stream = await this.#openStream(url.hostname, Number(url.port || 80));
    const kept = headers.filter(([name]) => !/^(proxy-authorization|proxy-connection|connection|keep-alive)$/i.test(name));
    const forwardedHead = [`${method} ${url.pathname}${url.search} HTTP/1.1`, ...kept.map(([name, value]) => `${name}: ${value}`), 'Connection: close', '', ''].join('\r\n');
    stream.write(Buffer.concat([Buffer.from(forwardedHead, 'latin1'), rest]));
    pipeBothWays(socket, stream);
  }
}

function splitHostPort(target: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? defaultPort) };
  const colon = target.lastIndexOf(':');
  if (colon === -1) return { host: target, port: defaultPort };
  return { host: target.slice(0, colon), port: Number(target.slice(colon + 1)) };
}

function pipeBothWays(browser: Socket, caller: Socket): void {
  browser.pipe(caller);
  caller.pipe(browser);
  browser.resume();
  const end = () => {
    browser.destroy();
    caller.destroy();
  };
  browser.once('close', end);
  caller.once('close', end);
}
