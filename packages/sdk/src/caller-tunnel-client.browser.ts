import type { CallerTunnelOptions } from './caller-tunnel-options.js';

export type { CallerTunnelOptions } from './caller-tunnel-options.js';

/**
 * In a browser there are no raw sockets to carry a task's traffic: proxy_server "self" needs the
 * SDK under Node. The task is still created; the server fails it when no tunnel connects, saying why.
 */
export class CallerTunnelClient {
  readonly connected: Promise<void>;

  private constructor(options: CallerTunnelOptions) {
    const error = new Error('proxy_server "self" needs the SDK running under Node (a browser cannot open the tunnel\'s connections)');
    this.connected = Promise.reject(error);
    this.connected.catch(() => options.onClosed?.(error));
  }

  static open(options: CallerTunnelOptions): CallerTunnelClient {
    return new CallerTunnelClient(options);
  }

  close(): void {}
}
