import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A loopback load balancer of the tests' own, in front of the API processes of the distributed
 * topology: each request, and each upgrade (the live view's WebSocket, the `self` tunnel's custom
 * Upgrade), goes to the next target in turn, so consecutive calls of one client alternate between
 * the processes. No stickiness and no retries: what works through it works whichever process answers.
 */
export interface RoundRobinProxy {
  /** http://127.0.0.1:port */
  url: string;
  /** The base URLs (http://host:port) requests go to, in turn; replaced when the processes restart. */
  targets: string[];
  /** How many requests and upgrades each target got, by target URL. */
  readonly forwardedTo: Map<string, number>;
  close(): Promise<void>;
}

/** Headers of one hop only (RFC 9110 §7.6.1): the proxy speaks its own connection to each side. */
const hopByHopHeaders = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade'];

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = { ...headers };
  for (const name of hopByHopHeaders) delete kept[name];
  return kept;
}

/** The request line and headers as they arrived (raw, so the upgrade's own headers pass unchanged). */
function requestHead(request: IncomingMessage): string {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/${request.httpVersion}`];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) lines.push(`${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export async function startRoundRobinProxy(targets: string[] = []): Promise<RoundRobinProxy> {
  const sockets = new Set<Socket>();
  let turn = 0;
  const proxy: RoundRobinProxy = { url: '', targets, forwardedTo: new Map(), close: async () => {} };
  const nextTarget = (): URL | undefined => {
    const target = proxy.targets[turn % Math.max(1, proxy.targets.length)];
    turn += 1;
    if (target === undefined) return undefined;
    proxy.forwardedTo.set(target, (proxy.forwardedTo.get(target) ?? 0) + 1);
    return new URL(target);
  };

  const server: Server = createServer((request, response) => {
    const target = nextTarget();
    if (!target) {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'the test proxy has no API process to forward to' }));
      return;
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: withoutHopByHop(request.headers) },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      },
    );
    upstream.on('error', (error) => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `the test proxy could not reach ${target.host}: ${error.message}` }));
    });
    // A client that gives up (a long-poll it aborts) frees the upstream request too.
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  });

  server.on('upgrade', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = nextTarget();
    if (!target) {
      client.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(target.port), target.hostname, () => {
      upstream.write(requestHead(request));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });

  // Longer than any client keeps an idle connection, as load balancers do: a client must never
  // reuse a connection the proxy is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
