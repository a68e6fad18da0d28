import type { ServerOptions } from './server-options.js';

export class InvalidPublicUrlError extends Error {
  override readonly name = 'InvalidPublicUrlError';
}

/**
 * The origin clients reach this server or deployment at (a load balancer's, a proxy's), used in the
 * URLs the API hands out: live_url, recording_url, downloads_url, the OpenAPI document's server.
 * The option, else SMOOTH_PUBLIC_URL, else undefined (the URL the process listens on). Refused at
 * start when it is not an http(s) origin, so a typo does not surface as dead links later.
 */
export function configuredPublicUrl(options: ServerOptions, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = options.publicUrl ?? (environment.SMOOTH_PUBLIC_URL?.trim() || undefined);
  if (configured === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(configured);
  } catch {
    throw new InvalidPublicUrlError(`publicUrl ${JSON.stringify(configured)} is not a URL; give the http(s) origin clients reach the server at, e.g. https://smooth.example.com`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidPublicUrlError(`publicUrl ${configured} must be http or https`);
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new InvalidPublicUrlError(`publicUrl ${configured} must be an origin only (scheme, host, port): the server adds its own paths`);
  }
  return parsed.origin;
}
