import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bytes served by /download, checked byte for byte on disk. */
export const downloadBytes = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 31 + 7) % 256));

export interface TestSite {
  port: number;
  /** http://127.0.0.1:port — the allowed host. */
  origin: string;
  /** http://localhost:port — the same server under another host name, which the policy blocks. */
  otherOrigin: string;
  /** `host + path` of every request that reached the server. */
  hits: string[];
  hitsOnHost(host: string): string[];
  close(): Promise<void>;
}

function html(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(`<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>test</title></head><body>${body}</body></html>`);
}

/** A tiny site on 127.0.0.1 with the pages the browser tests need. */
export async function startTestSite(): Promise<TestSite> {
  const hits: string[] = [];
  const openStreams = new Set<ServerResponse>();
  let port = 0;
  const other = () => `http://localhost:${port}`;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    hits.push(`${request.headers.host ?? ''}${url.pathname}${url.search}`);
    switch (url.pathname) {
      case '/':
        return html(response, '<h1>home</h1>');
      case '/environment':
        return html(response, '<p id="environment">environment</p>');
      case '/link-to-blocked':
        return html(response, `<a id="link" href="${other()}/secret-page">go</a>`);
      case '/redirect-to-blocked':
        response.writeHead(302, { location: `${other()}/secret-after-redirect` });
        return void response.end();
      case '/redirect-to-home':
        response.writeHead(302, { location: '/' });
        return void response.end();
      case '/popup-opener':
        return html(
          response,
          `<button id="open-allowed" onclick="window.open('/popup-target')">allowed</button>
           <button id="open-blocked" onclick="window.open('${other()}/secret-popup')">blocked</button>
           <button id="open-redirect" onclick="window.open('/redirect-to-blocked')">redirect</button>`,
        );
      case '/popup-target':
        return html(response, '<h1 id="popup">popup page</h1>');
      case '/iframe-blocked':
        return html(response, `<h1>frame host</h1><iframe id="frame" src="${other()}/secret-frame"></iframe>`);
      case '/fetch-blocked':
        return html(
          response,
          `<p id="result">pending</p>
           <script>
             fetch('${other()}/secret-api').then(() => 'reached', () => 'failed')
               .then((outcome) => { document.getElementById('result').textContent = outcome; });
           </script>`,
        );
      case '/fetch-redirect':
        return html(
          response,
          `<p id="result">pending</p>
           <script>
             fetch('/redirect-to-blocked').then(() => 'reached', () => 'failed')
               .then((outcome) => { document.getElementById('result').textContent = outcome; });
           </script>`,
        );
      case '/download-page':
        return html(response, '<a id="download" href="/download">get the report</a>');
      case '/download':
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="report.bin"',
          'content-length': String(downloadBytes.length),
        });
        return void response.end(downloadBytes);
      case '/mutating':
        // Loads 20 items one after another, each fetched and then rendered, like a feed that
        // fills in progressively; the page is only done when the last one is on screen.
        return html(
          response,
          `<ul id="items"></ul><p id="status">working</p>
           <script>
             async function fill() {
               for (let count = 1; count <= 20; count += 1) {
                 const text = await (await fetch('/item?n=' + count)).text();
                 const item = document.createElement('li');
                 item.textContent = text;
                 document.getElementById('items').appendChild(item);
               }
               document.getElementById('status').textContent = 'finished';
             }
             fill();
           </script>`,
        );
      case '/click-fetch':
        // A click fetches a slow answer, renders it, then fetches and renders a second one.
        return html(
          response,
          `<button id="load">load</button><ul id="answers"></ul><p id="status">idle</p>
           <script>
             async function show(ms) {
               const text = await (await fetch('/slow-answer?ms=' + ms)).text();
               const item = document.createElement('li');
               item.textContent = text;
               document.getElementById('answers').appendChild(item);
             }
             document.getElementById('load').addEventListener('click', async () => {
               document.getElementById('status').textContent = 'loading';
               await show(150);
               await show(60);
               document.getElementById('status').textContent = 'done';
             });
           </script>`,
        );
      case '/slow-answer': {
        const delayMs = Number(url.searchParams.get('ms') ?? '100');
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void setTimeout(() => response.end(`answer after ${delayMs} ms`), delayMs);
      }
      case '/slow-page':
        return void setTimeout(() => html(response, '<h1 id="arrived">arrived</h1>'), 150);
      case '/item':
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void setTimeout(() => response.end(`item ${url.searchParams.get('n')}`), 30);
      case '/event-stream-page':
        return html(
          response,
          `<p id="status">open</p><script>new EventSource('/events');</script>`,
        );
      case '/events':
        // An endless stream: it must not hold page settle until its timeout.
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        response.write('data: hello\n\n');
        openStreams.add(response);
        return;
      case '/never-answers':
        openStreams.add(response);
        return;
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        return void response.end('not found');
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    hits,
    hitsOnHost: (host) => hits.filter((hit) => hit.startsWith(`${host}:${port}/`)),
    close: async () => {
      for (const stream of openStreams) stream.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
