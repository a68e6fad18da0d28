import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Two tiny pages on 127.0.0.1 for sessions to visit. */
export async function startPageServer(): Promise<PageServer> {
  const server = createServer((request, response) => {
    const pages: Record<string, string> = {
      '/': '<!doctype html><title>Home page</title><h1>Welcome</h1><ul><li class="item">alpha</li><li class="item">beta</li><li class="item">gamma</li></ul>',
      '/second': '<!doctype html><title>Second page</title><p id="note">second</p>',
      '/download': '<!doctype html><title>Download</title><a href="/report.csv" download>Get the report</a>',
    };
    if (request.url === '/report.csv') {
      response.writeHead(200, { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="report.csv"' });
      response.end('city,temperature\nParis,21\n');
      return;
    }
    const page = pages[request.url ?? ''];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
