import type { ProxySettings } from '@open-smooth/browser';
import { UnusableTaskOptionError } from './task-errors.js';

const proxySchemes = new Set(['http:', 'https:', 'socks5:']);

/** What a task's proxy_server asks for: nothing, an upstream proxy, or the caller's own machine. */
export type ProxyChoice = { kind: 'none' } | { kind: 'upstream'; proxy: ProxySettings } | { kind: 'self' };

export interface ProxyFields {
  proxy_server?: string | null | undefined;
  proxy_username?: string | null | undefined;
  proxy_password?: string | null | undefined;
}

/**
 * Reads proxy_server (`host`, `host:port`, or a URL with scheme http, https or socks5; "self" for
 * the caller's machine) with its optional credentials. A bare host is an HTTP proxy, as Chromium
 * reads it. Credentials written in the URL count as proxy_username/proxy_password.
 */
export function proxyFromWire(fields: ProxyFields): ProxyChoice {
  const server = fields.proxy_server?.trim();
  if (!server) {
    if (fields.proxy_username || fields.proxy_password) {
      throw new UnusableTaskOptionError('proxy_username and proxy_password need a proxy_server; set proxy_server or leave the credentials out');
    }
    return { kind: 'none' };
  }
  if (server === 'self') return { kind: 'self' };
  const url = parseProxyUrl(server);
  let username = fields.proxy_username ?? undefined;
  let password = fields.proxy_password ?? undefined;
  if (url.username || url.password) {
    username ??= decodeURIComponent(url.username);
    password ??= decodeURIComponent(url.password);
  }
  if (password !== undefined && username === undefined) {
    throw new UnusableTaskOptionError('proxy_password was given without proxy_username; a proxy authenticates a user name and a password together');
  }
  if (url.protocol === 'socks5:' && username !== undefined) {
    throw new UnusableTaskOptionError('Chromium cannot authenticate to a SOCKS5 proxy; use an http or https proxy for proxy_username/proxy_password');
  }
  const proxy: ProxySettings = { server: `${url.protocol}//${url.host}` };
  if (username !== undefined) proxy.username = username;
  if (password !== undefined) proxy.password = password;
  return { kind: 'upstream', proxy };
}

function parseProxyUrl(server: string): URL {
  const withScheme = server.includes('://') ? server : `http://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UnusableTaskOptionError(`proxy_server is not a proxy address: ${JSON.stringify(server)}; use host, host:port or a URL such as http://host:port or socks5://host:port`);
  }
  if (!proxySchemes.has(url.protocol)) {
    throw new UnusableTaskOptionError(`proxy_server scheme ${url.protocol.slice(0, -1)} is not supported; use http, https or socks5`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.hostname === '') {
    throw new UnusableTaskOptionError(`proxy_server must be host[:port] or scheme://host[:port], without a path: ${JSON.stringify(server)}`);
  }
  return url;
}
