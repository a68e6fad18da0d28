import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { CallerTunnel } from './caller-tunnel.js';

/** The Upgrade protocol name of the caller's tunnel connections. */
export const tunnelProtocol = 'open-smooth-tunnel';

/** `/api/v1/task/{id}/tunnel` (control) and `/api/v1/task/{id}/tunnel/{stream}` (data). */
export const tunnelPath = /^\/api\/v1\/task\/([^/?#]+)\/tunnel(?:\/([A-Za-z0-9]+))?(?:\?.*)?$/;

export interface TunnelLookup {
  /** The API key's tenant, or undefined for an unknown key. */
  tenantOf(apiKey: string): string | undefined;
  /** The live task's tunnel, if the tenant's task has one. */
  tunnelOf(tenant: string, taskId: string): CallerTunnel | undefined;
}

function refuse(socket: Duplex, status: number, reason: string, detail: string): void {
  const body = JSON.stringify({ detail });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * `GET /api/v1/task/{id}/tunnel` with `Upgrade: open-smooth-tunnel` and the `apikey` header:
 * the caller's control connection; `.../tunnel/{stream}`: one data connection. It speaks raw
 * bytes after the upgrade, not WebSocket frames, so it takes these upgrades before the HTTP
 * server's other upgrade listeners (the live view's WebSocket plugin) and hands them every other
 * one. Install it after those listeners.
 */
export function installTunnelEndpoint(server: Server, lookup: TunnelLookup): void {
  const others = server.listeners('upgrade') as Array<(request: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  server.removeAllListeners('upgrade');
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = tunnelPath.exec(request.url ?? '');
    if (!match) {
      for (const listener of others) listener.call(server, request, socket, head);
      // Nobody else listens for upgrades: answer rather than leave the socket hanging.
      if (others.length === 0) refuse(socket, 404, 'Not Found', `no upgrade route for ${request.url ?? ''}`);
      return;
    }
    if ((request.headers.upgrade ?? '').toLowerCase() !== tunnelProtocol) {
      return refuse(socket, 400, 'Bad Request', `the tunnel speaks Upgrade: ${tunnelProtocol}`);
    }
    const apiKey = request.headers.apikey;
    const tenant = typeof apiKey === 'string' ? lookup.tenantOf(apiKey) : undefined;
    if (tenant === undefined) return refuse(socket, 401, 'Unauthorized', 'missing or invalid API key: send it in the "apikey" header');
    const taskId = decodeURIComponent(match[1] ?? '');
    const tunnel = lookup.tunnelOf(tenant, taskId);
    if (!tunnel) return refuse(socket, 404, 'Not Found', `task ${taskId} has no live tunnel: it was not created with proxy_server "self", or it has ended`);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${tunnelProtocol}\r\nConnection: Upgrade\r\n\r\n`);
    const tcp = socket as Socket;
    if (head.length > 0) tcp.unshift(head);
    const streamId = match[2];
    if (streamId === undefined) tunnel.attachControl(tcp);
    else if (!tunnel.attachStream(streamId, tcp)) tcp.destroy();
  });
}
