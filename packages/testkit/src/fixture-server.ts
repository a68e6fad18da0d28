import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyRoutes } from './fixture-sites/apply-site.js';
import { boardRoutes, initialBoardColumns } from './fixture-sites/board-site.js';
import { clickRoutes } from './fixture-sites/click-api.js';
import { downloadRoutes } from './fixture-sites/download-site.js';
import { createFixtureRecords, type FixtureRecords } from './fixture-sites/fixture-records.js';
import { flightRoutes } from './fixture-sites/flight-site.js';
import { framesRoutes } from './fixture-sites/frames-site.js';
import { homeRoutes } from './fixture-sites/home-site.js';
import { sendHtml, sendText } from './fixture-sites/http-responses.js';
import { loginRoutes } from './fixture-sites/login-site.js';
import { menuRoutes } from './fixture-sites/menu-site.js';
import { policyRoutes } from './fixture-sites/policy-site.js';
import { RequestBodyTooLargeError } from './fixture-sites/request-body.js';
import { shopRoutes } from './fixture-sites/shop-site.js';
import type { FixtureState, SiteContext, SiteRoute } from './fixture-sites/site-context.js';
import { uploadRoutes } from './fixture-sites/upload-site.js';
import { bookingDatesRoutes } from './fixture-sites/booking-dates-site.js';
import { terminalRoutes } from './fixture-sites/terminal-site.js';
import { copyTextRoutes } from './fixture-sites/copy-text-site.js';
import { highlightRoutes } from './fixture-sites/highlight-site.js';
import { nestedMenuRoutes } from './fixture-sites/nested-menu-site.js';
import { paletteRoutes } from './fixture-sites/palette-site.js';
import { sliderRoutes } from './fixture-sites/slider-site.js';
import { sortableListRoutes } from './fixture-sites/sortable-list-site.js';
import { stationSearchRoutes } from './fixture-sites/station-search-site.js';
import { helpCentreRoutes } from './fixture-sites/help-centre-site.js';
import { widgetResultRoutes } from './fixture-sites/widget-results.js';
import { collapsibleRoutes } from './fixture-sites/widgets-collapsible-site.js';
import { copyCodeRoutes } from './fixture-sites/widgets-copy-code-site.js';
import { dropdownRoutes } from './fixture-sites/widgets-dropdown-site.js';
import { feedRoutes } from './fixture-sites/widgets-feed-site.js';
import { fileTreeRoutes } from './fixture-sites/widgets-file-tree-site.js';
import { mailRoutes } from './fixture-sites/widgets-mail-site.js';
import { playerRoutes } from './fixture-sites/widgets-player-site.js';
import { tabsRoutes } from './fixture-sites/widgets-tabs-site.js';
import { toolbarRoutes } from './fixture-sites/widgets-toolbar-site.js';

export type { FixtureRecords } from './fixture-sites/fixture-records.js';
export { fixtureCredentials, accountInvoices, accountDisplayName, type Invoice } from './fixture-sites/account-data.js';
export { cheapestLondonParisFlight, flights, type Flight } from './fixture-sites/flight-data.js';
export { shopProducts, shopPageSize, type ShopProduct } from './fixture-sites/shop-products.js';
export { reportCsvBytes, reportCsvFileName } from './fixture-sites/download-site.js';
export { boardCards, boardColumns } from './fixture-sites/board-site.js';
export { copyCode } from './fixture-sites/widgets-copy-code-site.js';

export interface FixtureServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  /** origin + path */
  url(path: string): string;
  /** The same server under another loopback host name, i.e. a different origin/site for the browser. */
  urlOn(host: 'localhost' | string, path: string): string;
  /** What the sites received server-side (tests assert on this). */
  records: FixtureRecords;
  close(): Promise<void>;
}

/** The host name the server is primarily reached under; requests under any other name count as "other host" hits. */
const primaryHostName = '127.0.0.1';

const allRoutes: SiteRoute[] = [
  ...homeRoutes,
  ...flightRoutes,
  ...applyRoutes,
  ...loginRoutes,
  ...shopRoutes,
  ...framesRoutes,
  ...downloadRoutes,
  ...uploadRoutes,
  ...menuRoutes,
  ...boardRoutes,
  ...policyRoutes,
  ...clickRoutes,
  ...widgetResultRoutes,
  ...terminalRoutes,
  ...bookingDatesRoutes,
  ...nestedMenuRoutes,
  ...sortableListRoutes,
  ...sliderRoutes,
  ...highlightRoutes,
  ...paletteRoutes,
  ...copyTextRoutes,
  ...stationSearchRoutes,
  ...helpCentreRoutes,
  // observation widgets
  ...toolbarRoutes,
  ...tabsRoutes,
  ...playerRoutes,
  ...feedRoutes,
  ...mailRoutes,
  ...fileTreeRoutes,
  ...copyCodeRoutes,
  ...dropdownRoutes,
  ...collapsibleRoutes,
];

function routeMatches(route: SiteRoute, path: string): boolean {
  return typeof route.path === 'string' ? route.path === path : route.path.test(path);
}

function hostNameOf(request: IncomingMessage): string {
  try {
    return new URL(`http://${request.headers.host ?? primaryHostName}`).hostname;
  } catch {
    return primaryHostName;
  }
}

function recordRequest(state: FixtureState, request: IncomingMessage, hostName: string, url: URL): void {
  const path = url.pathname + url.search;
  state.records.requests.push({ host: hostName, method: request.method ?? 'GET', path });
  if (hostName !== primaryHostName) state.records.otherHostHits.push({ host: hostName, path });
}

async function handleRequest(state: FixtureState, port: number, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const hostName = hostNameOf(request);
  const url = new URL(request.url ?? '/', `http://${hostName}:${port}`);
  recordRequest(state, request, hostName, url);
  if (url.pathname === '/favicon.ico') {
    response.writeHead(204).end();
    return;
  }
  const candidates = allRoutes.filter((route) => routeMatches(route, url.pathname));
  const route = candidates.find((candidate) => candidate.method === request.method);
  if (route === undefined) {
    if (candidates.length > 0) sendText(response, 'method not allowed', 405);
    else sendHtml(response, '<!doctype html><title>Not found</title><h1>Page not found</h1><p><a href="/">All demo sites</a></p>', 404);
    return;
  }
  const otherHostName = hostName === primaryHostName ? 'localhost' : primaryHostName;
  const context: SiteContext = { request, response, url, state, hostName, otherHostName, port };
  await route.handle(context);
}

function answerFailure(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof RequestBodyTooLargeError) sendText(response, error.message, 413);
  else sendText(response, `fixture server error: ${error instanceof Error ? error.message : String(error)}`, 500);
}

/** Starts the fixture sites on 127.0.0.1 with an ephemeral port (loopback only). */
export async function startFixtureServer(): Promise<FixtureServer> {
  const state: FixtureState = { records: createFixtureRecords(), sessions: new Map(), boardColumns: initialBoardColumns() };
  let port = 0;
  const server = createServer((request, response) => {
    handleRequest(state, port, request, response).catch((error: unknown) => answerFailure(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, primaryHostName, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${primaryHostName}:${port}`;
  return {
    origin,
    port,
    url: (path) => origin + path,
    urlOn: (host, path) => `http://${host}:${port}${path}`,
    records: state.records,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
