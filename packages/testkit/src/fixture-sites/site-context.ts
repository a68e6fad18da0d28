import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FixtureRecords } from './fixture-records.js';

/** Mutable state of one fixture server: what was recorded plus what the sites remember between requests. */
export interface FixtureState {
  records: FixtureRecords;
  /** Session cookie token -> username of the login site. */
  sessions: Map<string, string>;
  /** Card id -> column id of the kanban board. */
  boardColumns: Map<string, string>;
}

export interface SiteContext {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  state: FixtureState;
  /** Host name the browser used to reach us (127.0.0.1 or localhost). */
  hostName: string;
  /** The other loopback host name, for cross-origin links: 127.0.0.1 <-> localhost. */
  otherHostName: string;
  port: number;
}

export interface SiteRoute {
  method: 'GET' | 'POST';
  /** Exact path, or a pattern for paths with a variable part. */
  path: string | RegExp;
  handle(context: SiteContext): void | Promise<void>;
}

/** Absolute URL of `path` on the other loopback host name (a different site for the browser). */
export function otherHostUrl(context: SiteContext, path: string): string {
  return `http://${context.otherHostName}:${context.port}${path}`;
}
