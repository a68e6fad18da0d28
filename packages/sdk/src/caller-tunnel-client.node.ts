import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { CallerTunnelOptions } from './caller-tunnel-options.js';

/** The Upgrade protocol name the Open Smooth server speaks for the caller's tunnel. */
const tunnelProtocol = 'open-smooth-tunnel';

export type { CallerTunnelOptions } from './caller-tunnel-options.js';

/**
 * The caller's side of proxy_server "self": the task's browser traffic leaves through this
 * machine (its IP, its localhost). A control connection to the server receives
 * `open <id> <host> <port>` lines; for each, this side connects to host:port here and opens a
 * data connection for that id, and the two are piped. Runs inside the SDK, with no other binary;
 * it ends when the server closes the control connection (the task ended) or on close().
 */
export class CallerTunnelClient {
  readonly #options: CallerTunnelOptions;
  readonly #sockets = new Set<Socket>();
  #closed = false;
  readonly connected: Promise<void>;

  private constructor(options: CallerTunnelOptions) {
    this.#options = options;
    this.connected = this.#upgrade('').then((control) => this.#serve(control));
    this.connected.catch((error: unknown) => this.#end(error instanceof Error ? error : new Error(String(error))));
  }

  /** Opens the tunnel for a task created with proxy_server "self". */
  static open(options: CallerTunnelOptions): CallerTunnelClient {
    return new CallerTunnelClient(options);
  }

  close(): void {
    this.#end();
  }

  #end(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#options.onClosed?.(error);
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #serve(control: Socket): void {
    control.setNoDelay(true);
    let buffered = '';
    control.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const open = /^open (\S+) (\S+) (\d+)$/.exec(buffered.slice(0, newline).trim());
        buffered = buffered.slice(newline + 1);
        if (open) this.#openStream(control, open[1] ?? '', open[2] ?? '', Number(open[3]));
      }
    });
    control.once('close', () => this.#end());
  }

  #openStream(control: Socket, id: string, host: string, port: number): void {
    const destination = connect({ host, port });
    this.#track(destination);
    destination.once('error', (error) => {
      if (!control.destroyed) control.write(`fail ${id} ${error.message.replace(/\s+/g, ' ')}\n`);
    });
    destination.once('connect', () => {
      destination.pause();
      this.#upgrade(`/${id}`).then(
        (stream) => {
          stream.pipe(destination);
          destination.pipe(stream);
          destination.resume();
          const end = () => {
            stream.destroy();
            destination.destroy();
          };
          stream.once('close', end);
          destination.once('close', end);
        },
        () => destination.destroy(),
      );
    });
  }

  /** An upgraded connection to the task's tunnel endpoint (`suffix` '' for control, `/<id>` for a stream). */
  #upgrade(suffix: string): Promise<Socket> {
    const url = new URL(`${this.#options.apiUrl.replace(/\/+$/, '')}/task/${encodeURIComponent(this.#options.taskId)}/tunnel${suffix}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Socket>((resolve, reject) => {
      if (this.#closed) return reject(new Error('the tunnel is closed'));
      const request = send(url, { method: 'GET', headers: { apikey: this.#options.apiKey, connection: 'Upgrade', upgrade: tunnelProtocol } });
      request.once('upgrade', (_response: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#track(socket);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      request.once('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let detail = body;
          try {
            detail = (JSON.parse(body) as { detail?: string }).detail ?? body;
          } catch {
            // Not JSON (a server that does not know the tunnel): the text says enough.
          }
          reject(new Error(`the server refused the tunnel (HTTP ${response.statusCode ?? 0}): ${detail}`));
        });
      });
      request.once('error', reject);
      request.end();
    });
  }
}
