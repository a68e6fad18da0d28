import type { ContextRecipe } from './context-recipe.js';
import { errorMessage } from '@open-smooth/protocol';

/** A navigation that failed for a reason of the context's recipe (its proxy or client certificates), said plainly. */
export class NavigationFailedError extends Error {
  override readonly name = 'NavigationFailedError';
  constructor(readonly url: string, reason: string) {
    super(`could not open ${url}: ${reason}`);
  }
}

/** Chromium's network error codes that a proxy or a client certificate explains, with what to tell the user. */
const explanations: Array<[RegExp, (recipe: ContextRecipe, url: string) => string | undefined]> = [
  [/ERR_PROXY_CONNECTION_FAILED/, (recipe) => recipe.proxy && `could not connect to the proxy ${proxyName(recipe)}`],
  [
    /ERR_TUNNEL_CONNECTION_FAILED/,
    (recipe) =>
      recipe.proxy &&
      (recipe.proxy.viaCaller
        ? "the caller's machine (proxy_server \"self\") could not connect to the site, or its tunnel is gone"
        : `the proxy ${recipe.proxy.server} refused to open a connection to the site`),
  ],
  [/ERR_(INVALID_AUTH_CREDENTIALS|PROXY_AUTH_UNSUPPORTED|PROXY_AUTH_REQUESTED)/, (recipe) => recipe.proxy && proxyRefused(recipe)],
  [
    /ERR_(SSL_CLIENT_AUTH_CERT_NEEDED|BAD_SSL_CLIENT_AUTH_CERT)/,
    (recipe) =>
      recipe.clientCertificates.length > 0
        ? 'the site rejected the client certificate given for its origin (or none was given for this origin)'
        : 'the site asks for a client certificate and the task has none; send certificates: [{file, password}] with the task',
  ],
  // TLS 1.3 servers refuse a client certificate (or its absence) after the client's handshake is
  // done, so the browser sees only a closed connection: a probable cause, said as one.
  [
    /ERR_(SSL_CLIENT_AUTH_SIGNATURE_FAILED|SSL_PROTOCOL_ERROR|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|SOCKET_NOT_CONNECTED)/,
    (recipe, url) =>
      recipe.clientCertificates.length > 0
        ? 'the TLS handshake failed; the site may have rejected the client certificate given for its origin'
        : url.startsWith('https:')
          ? 'the site closed the connection during or right after the TLS handshake; if it asks for a client certificate, send certificates: [{file, password}] with the task'
          : undefined,
  ],
];

function proxyName(recipe: ContextRecipe): string {
  return recipe.proxy?.viaCaller ? "of the caller's tunnel" : (recipe.proxy?.server ?? '');
}

function proxyRefused(recipe: ContextRecipe): string {
  return recipe.proxy?.username === undefined
    ? `the proxy ${recipe.proxy?.server ?? ''} requires credentials (HTTP 407); set proxy_username and proxy_password`
    : `the proxy ${recipe.proxy.server} refused the credentials of ${recipe.proxy.username} (HTTP 407 Proxy Authentication Required)`;
}

/** The error to report for a failed navigation: a plain reason when the recipe explains it, else the original. */
export function explainNavigationFailure(url: string, error: unknown, recipe: ContextRecipe): unknown {
  const message = errorMessage(error);
  for (const [pattern, explain] of explanations) {
    if (!pattern.test(message)) continue;
    const reason = explain(recipe, url);
    if (reason) return new NavigationFailedError(url, `${reason} (${/net::ERR_[A-Z_]+/.exec(message)?.[0] ?? 'network error'})`);
  }
  return error;
}

/** A document answered 407 by the proxy itself: Chromium shows the proxy's page instead of failing. */
export function proxyAuthenticationFailure(url: string, status: number | undefined, recipe: ContextRecipe): NavigationFailedError | undefined {
  if (status !== 407 || !recipe.proxy) return undefined;
  return new NavigationFailedError(url, proxyRefused(recipe));
}

/** The page Playwright's certificate proxy answers with when its TLS connection to the site failed. */
const certificateProxyErrorPrefix = 'Playwright client-certificate error: ';

/**
 * With client certificates, the TLS connection to a site is made by Playwright's proxy; when it
 * fails (the site refused the certificate, the site's own certificate is not trusted by the server
 * process) the browser gets a 503 page instead of a network error. Said plainly here.
 */
export async function clientCertificateFailure(
  url: string,
  response: { status(): number; text(): Promise<string> } | null,
  recipe: ContextRecipe,
): Promise<NavigationFailedError | undefined> {
  if (!response || response.status() !== 503 || recipe.clientCertificates.length === 0) return undefined;
  const body = await response.text().catch(() => '');
  const start = body.indexOf(certificateProxyErrorPrefix);
  if (start === -1) return undefined;
  const reason = body
    .slice(start + certificateProxyErrorPrefix.length)
    .replace(/<br>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .trim();
  return new NavigationFailedError(
    url,
    `the TLS connection to the site failed (${reason}); the site may have refused the client certificate, or its own certificate is not trusted by the server (NODE_EXTRA_CA_CERTS)`,
  );
}
