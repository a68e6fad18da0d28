import type { BrowserPoolOptions } from '@open-smooth/browser';
import type { ServerOptions } from '../../src/index.js';

/** ServerOptions that cross a process boundary as JSON: no open pool or blob store (give their settings or URL). */
export type ProcessServerOptions = Omit<ServerOptions, 'browserPool' | 'blobStore'>;

/** What a server process starts: its options and, when a test wants settings of its own, the browser pool it launches at once. */
export interface ServerProcessSpec {
  server: ProcessServerOptions;
  /** Launched before the server and handed to it (a role-api process takes only its network allowance). */
  pool?: Pick<BrowserPoolOptions, 'warmDevices' | 'extraArgs'> & { allowPrivateNetwork?: string[] };
}

/** A line on server-process.ts's stdin: start a server (in `environment`, which replaces the process's), or close it. */
export type ServerProcessCommand = { command: 'start'; spec: ServerProcessSpec; environment: Record<string, string> } | { command: 'close' };
