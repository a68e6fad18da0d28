/** What opens the caller's side of proxy_server "self" for one task. */
export interface CallerTunnelOptions {
  /** API URL with the version, e.g. http://127.0.0.1:7777/api/v1. */
  apiUrl: string;
  apiKey: string;
  taskId: string;
  /** Called once the tunnel has ended, with the error that ended it, if any. */
  onClosed?: (error?: Error) => void;
}
