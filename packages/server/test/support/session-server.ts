import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { ServerOptions } from '../../src/index.js';
import { startPageServer, type PageServer } from './page-server.js';
import { sendCommand, startTestServer, type TestServer } from './test-server.js';

/** A test server and the small page site its sessions visit. */
export interface SessionServer {
  server: TestServer;
  pages: PageServer;
  /** Opens a desktop session on the page site's `path` and returns its id. */
  openSession(path?: string): Promise<string>;
  /** Sends `close` to a session and returns the answer event. */
  closeSession(id: string, commandId?: string): Promise<any>;
}

async function startSessionServer(options: Partial<ServerOptions>): Promise<SessionServer & { close(): Promise<void> }> {
  const [pages, server] = await Promise.all([startPageServer(), startTestServer(options)]);
  return {
    server,
    pages,
    async openSession(path = '/') {
      const created = await server.api('POST', '/task', { body: { task: null, url: `${pages.url}${path}`, device: 'desktop' } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      return created.body.r.id as string;
    },
    closeSession: (id, commandId = 'close') => sendCommand(server, id, 'session_action', 'close', {}, commandId),
    async close() {
      await server.close();
      await pages.close();
    },
  };
}

/**
 * A session server shared by the tests of one file that call the returned function: started by
 * the first of them (a file's tests that need other options make a fixture of their own), closed
 * after the file's tests.
 */
export function useSessionServer(options: Partial<ServerOptions> = {}): () => Promise<SessionServer> {
  let started: ReturnType<typeof startSessionServer> | undefined;
  after(async () => {
    if (started) await (await started).close();
  });
  return () => (started ??= startSessionServer(options));
}
