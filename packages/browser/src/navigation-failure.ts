import type { ContextRecipe } from './context-recipe.js';

/** A navigation that failed for a reason of the context's recipe (its proxy or client certificates), said plainly. */
export class NavigationFailedError extends Error {
  override readonly name = 'NavigationFailedError';
  constructor(readonly url: string, reason: string) {
    super(`could not open ${url}: ${reason}`);
  }
}

/** Chromium's network error codes that a proxy or a client certificate explains, with what to tell the user. */
const explanations: Array<[RegExp, (recipe: ContextRecipe) => string | undefined]> = [
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
  [
    /ERR_(SSL_CLIENT_AUTH_SIGNATURE_FAILED|SSL_PROTOCOL_ERROR|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE)/,
    (recipe) =>
      recipe.clientCertificates.length > 0
        ? 'the TLS handshake failed; the site may have rejected the client certificate given for its origin'
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
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, explain] of explanations) {
    if (!pattern.test(message)) continue;
    const reason = explain(recipe);
    if (reason) return new NavigationFailedError(url, `${reason} (${/net::ERR_[A-Z_]+/.exec(message)?.[0] ?? 'network error'})`);
  }
  return error;
}

/** A document answered 407 by the proxy itself: Chromium shows the proxy's page instead of failing. */
export function proxyAuthenticationFailure(url: string, status: number | undefined, recipe: ContextRecipe): NavigationFailedError | undefined {
  if (status !== 407 || !recipe.proxy) return undefined;
  return new NavigationFailedError(url, proxyRefused(recipe));
}
