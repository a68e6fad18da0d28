/**
 * allowed_urls matching. Syntax (smooth.sh docs + OpenAPI examples): `google.com/*`,
 * `*mydomain.*\/*`, `https://**.example.com/**`.
 * - a pattern without `scheme://` matches any scheme;
 * - `*` and `**` both match any run of characters (dots and slashes included);
 * - a host without a port matches any port;
 * - a pattern without a path (or with the bare path `/`) matches the whole host;
 * - a leading `*.` / `**.` in the host also matches the bare domain (`*.example.com` ⊇ `example.com`);
 * - a path pattern matches the URL's path with or without its query string; the fragment is ignored.
 */

/** Schemes that never reach the network, so the policy never blocks them. */
const alwaysAllowedSchemes = new Set(['about:', 'data:', 'blob:']);

const schemePrefix = /^([a-z*][a-z0-9+.*-]*):\/\//i;
const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };

interface ParsedPattern {
  scheme?: string;
  host: string;
  port?: string;
  path?: string;
}

function globToRegExp(glob: string, flags: string): RegExp {
  const source = glob
    .split(/\*+/)
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, flags);
}

function globMatches(glob: string, value: string, caseInsensitive: boolean): boolean {
  return globToRegExp(glob, caseInsensitive ? 'i' : '').test(value);
}

function splitHostAndPort(authority: string): { host: string; port?: string } {
  const withoutUserInfo = authority.slice(authority.lastIndexOf('@') + 1);
  if (withoutUserInfo.startsWith('[')) {
    const end = withoutUserInfo.indexOf(']');
    const port = withoutUserInfo.slice(end + 1).replace(/^:/, '');
    return { host: withoutUserInfo.slice(0, end + 1), ...(port ? { port } : {}) };
  }
  const match = /^(.*?)(?::(\d+|\*))?$/.exec(withoutUserInfo);
  const host = match?.[1] ?? withoutUserInfo;
  const port = match?.[2];
  return { host, ...(port ? { port } : {}) };
}

function parsePattern(pattern: string): ParsedPattern {
  let rest = pattern.trim();
  let scheme: string | undefined;
  const schemeMatch = schemePrefix.exec(rest);
  if (schemeMatch?.[1]) {
    scheme = schemeMatch[1].toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  const pathStart = rest.search(/[/?#]/);
  const authority = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const rawPath = pathStart === -1 ? '' : rest.slice(pathStart).replace(/#.*$/, '');
  const { host, port } = splitHostAndPort(authority);
  const path = rawPath === '' || rawPath === '/' ? undefined : rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  return { host: host || '*', ...(scheme ? { scheme } : {}), ...(port ? { port } : {}), ...(path ? { path } : {}) };
}

function hostMatches(hostPattern: string, host: string): boolean {
  if (globMatches(hostPattern, host, true)) return true;
  const wildcardSubdomain = /^\*+\./.exec(hostPattern);
  return wildcardSubdomain !== null && globMatches(hostPattern.slice(wildcardSubdomain[0].length), host, true);
}

function pathMatches(pathPattern: string | undefined, url: URL): boolean {
  if (pathPattern === undefined) return true;
  return globMatches(pathPattern, url.pathname + url.search, false) || globMatches(pathPattern, url.pathname, false);
}

/** Whether one URL matches one allowed_urls pattern. Unparsable URLs match nothing. */
export function matchesUrlPattern(url: string, pattern: string): boolean {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return false;
  }
  const parsed = parsePattern(pattern);
  const scheme = parsedUrl.protocol.replace(/:$/, '');
  if (parsed.scheme !== undefined && !globMatches(parsed.scheme, scheme, true)) return false;
  if (!hostMatches(parsed.host, parsedUrl.hostname)) return false;
  if (parsed.port !== undefined) {
    const effectivePort = parsedUrl.port || defaultPorts[parsedUrl.protocol] || '';
    if (!globMatches(parsed.port, effectivePort, false)) return false;
  }
  return pathMatches(parsed.path, parsedUrl);
}

/** Whether a URL never touches the network (about:, data:, blob:) and so is always allowed. */
export function isAlwaysAllowedUrl(url: string): boolean {
  const colon = url.indexOf(':');
  return colon > 0 && alwaysAllowedSchemes.has(url.slice(0, colon + 1).toLowerCase());
}

/** The task policy: no patterns (undefined or empty) allows everything. */
export function isUrlAllowedByPatterns(url: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return true;
  if (isAlwaysAllowedUrl(url)) return true;
  return patterns.some((pattern) => matchesUrlPattern(url, pattern));
}
