import type { ServerResponse } from 'node:http';

export function sendHtml(response: ServerResponse, html: string, status = 200, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(html);
}

export function sendJson(response: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

export function sendRedirect(response: ServerResponse, location: string, status = 302, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(status, { location, 'cache-control': 'no-store', ...headers });
  response.end();
}

export function sendText(response: ServerResponse, text: string, status = 200): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}
