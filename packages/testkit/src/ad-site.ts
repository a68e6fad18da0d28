import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real ad and tracker host names, as the filter lists know them (plain http: none of them is on
 * Chromium's HSTS preload list). A test's browser reaches them on 127.0.0.1 through
 * `resolveAdHosts` (the pool's host resolver, which its network proxy connects by): no request
 * leaves the machine.
 */
export const adHosts = ['securepubads.g.doubleclick.net', 'pagead2.googlesyndication.com', 'sb.scorecardresearch.com', 'c.amazon-adsystem.com'] as const;

/**
 * Where the page with ad elements is served (see `cosmeticUrl`). The lists turn generic hiding off
 * on 127.0.0.1 and localhost (`@@://127.0.0.1$generichide`), so it has a name: a reserved `.test`
 * one for the generic rules, and a real site the lists have a rule of its own for
 * (`sportchianti.it##.td-banner-wrap-full`). Both resolve to 127.0.0.1 like `adHosts`.
 */
export const cosmeticHosts = { generic: 'news.local-paper.test', listed: 'sportchianti.it' } as const;

const loopbackHosts: readonly string[] = [...adHosts, cosmeticHosts.generic, cosmeticHosts.listed];

/** A host resolver that maps `adHosts` and `cosmeticHosts` to 127.0.0.1 (the port stays the URL's: the ad site's) and resolves nothing else. */
export function resolveAdHosts(hostName: string): Promise<string[]> {
  return Promise.resolve(loopbackHosts.includes(hostName.toLowerCase()) ? ['127.0.0.1'] : []);
}

export interface AdSite {
  /** The news article page, on 127.0.0.1, which loads ads and trackers from `adHosts`. */
  articleUrl: string;
  /** The same article without ads: ten first-party images and a script (what interception costs a page with nothing to block). */
  plainUrl: string;
  /**
   * An ad-free page the size of a real one for the names cosmetic filtering reads: 400 elements
   * with classes and ids, 150 links (first-party and to other sites). What cosmetic filtering costs
   * a page no rule applies to.
   */
  namedPlainUrl: string;
  /**
   * A page with ad elements the lists hide by generic rules (`#adsbox`, `.ad-unit`, a link to an ad
   * server; one more `#ad-banner-top` added at the load event, and one in an iframe) and by the
   * host's own rule on `cosmeticHosts.listed` (`.td-banner-wrap-full`). Give it a host of
   * `cosmeticHosts`: `cosmeticUrl(host)`.
   */
  cosmeticUrl(host: string): string;
  /** `host + path` of every request that reached the server, in order. */
  hits: string[];
  /** Hits on the ad and tracker hosts. */
  adHits(): string[];
  /** Bytes the server sent, by host. */
  bytesSent: Map<string, number>;
  close(): Promise<void>;
}

/** What the ad hosts serve: heavy, as real ad scripts are. */
const adScript = `window.adsLoaded = (window.adsLoaded || 0) + 1;
document.querySelectorAll('.ad-slot').forEach((slot) => { slot.textContent = 'ADVERTISEMENT: buy now'; slot.style.height = '250px'; });
/* ${'x'.repeat(60_000)} */`;
const adImage = Buffer.alloc(40_000, 7);

function articlePage(port: number): string {
  const on = (host: string, path: string) => `http://${host}:${port}${path}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Local news</title>
<script async src="${on('securepubads.g.doubleclick.net', '/tag/js/gpt.js')}"></script>
<script async src="${on('pagead2.googlesyndication.com', '/pagead/js/adsbygoogle.js')}"></script>
<script async src="${on('c.amazon-adsystem.com', '/aax2/apstag.js')}"></script>
</head><body>
<h1 id="headline">Council approves the new library</h1>
<div class="ad-slot" id="top-ad"></div>
<p id="story">The council voted on Tuesday to build a new public library by the river.</p>
<img id="pixel" alt="" width="1" height="1" src="${on('sb.scorecardresearch.com', '/p?c1=2&c2=1000')}">
<img id="banner" alt="" src="${on('pagead2.googlesyndication.com', '/simgad/123456')}">
<script>fetch(${JSON.stringify(on('sb.scorecardresearch.com', '/b2?c1=2&ns_type=hidden'))}, { method: 'POST', mode: 'no-cors' }).catch(() => {});</script>
</body></html>`;
}

/** Every ad element says "ADVERTISEMENT"; the story is what stays. */
const cosmeticPage = `<!doctype html><html><head><meta charset="utf-8"><title>Local paper</title></head><body>
<h1>Harbour festival this weekend</h1>
<div id="adsbox">ADVERTISEMENT adsbox</div>
<div class="ad-unit">ADVERTISEMENT ad unit</div>
<div class="td-banner-wrap-full">ADVERTISEMENT site banner</div>
<p><a id="ad-link" href="https://ad.doubleclick.net/ddm/clk/1">ADVERTISEMENT click here</a></p>
<p id="story">Boats from six towns will sail into the harbour on Saturday.</p>
<iframe id="side" title="side" src="/cosmetic-frame" width="300" height="120"></iframe>
<script>addEventListener('load', () => { const late = document.createElement('div'); late.id = 'ad-banner-top'; late.textContent = 'ADVERTISEMENT late banner'; document.body.append(late); });</script>
</body></html>`;

const cosmeticFrame = `<!doctype html><html><body><div id="adsbox">ADVERTISEMENT framed adsbox</div><p id="frame-story">Tide tables</p></body></html>`;

const namedPlainPage = `<!doctype html><html><head><meta charset="utf-8"><title>Local news</title></head><body>
<h1 class="page-title">Council approves the new library</h1>
${Array.from({ length: 400 }, (_, index) => `<div class="card card-${index % 40} layout-col" id="item-${index}"><span class="card-text">Item ${index}</span></div>`).join('')}
${Array.from({ length: 150 }, (_, index) => `<a class="nav-link" href="${index % 2 ? `/section/${index}` : `https://en.wikipedia.org/wiki/Page_${index}`}">Link ${index}</a>`).join(' ')}
</body></html>`;

const plainPage = `<!doctype html><html><head><meta charset="utf-8"><title>Local news</title><script src="/static/app.js"></script></head><body>
<h1>Council approves the new library</h1>${Array.from({ length: 10 }, (_, index) => `<img alt="" src="/static/photo-${index}.gif">`).join('')}
</body></html>`;

/** A news article on 127.0.0.1 with ads and trackers from real ad host names, served by the same server. */
export async function startAdSite(): Promise<AdSite> {
  const hits: string[] = [];
  const bytesSent = new Map<string, number>();
  let port = 0;
  const send = (request: IncomingMessage, response: ServerResponse, type: string, body: string | Buffer): void => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    bytesSent.set(host, (bytesSent.get(host) ?? 0) + Buffer.byteLength(body));
    response.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' });
    response.end(body);
  };
  const server = createServer((request, response) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    const path = request.url ?? '/';
    hits.push(`${host}${path}`);
    if (host === '127.0.0.1' && path === '/article') return send(request, response, 'text/html; charset=utf-8', articlePage(port));
    if (host !== '127.0.0.1' && !(adHosts as readonly string[]).includes(host) && loopbackHosts.includes(host)) {
      if (path === '/cosmetic') return send(request, response, 'text/html; charset=utf-8', cosmeticPage);
      if (path === '/cosmetic-frame') return send(request, response, 'text/html; charset=utf-8', cosmeticFrame);
    }
    if (host === cosmeticHosts.generic && path === '/named-plain') return send(request, response, 'text/html; charset=utf-8', namedPlainPage);
    if (host === '127.0.0.1' && path === '/plain') return send(request, response, 'text/html; charset=utf-8', plainPage);
    if (host === '127.0.0.1' && path.startsWith('/static/')) return send(request, response, path.endsWith('.js') ? 'text/javascript' : 'image/gif', path.endsWith('.js') ? 'window.appReady = true;' : adImage);
    if ((adHosts as readonly string[]).includes(host)) {
      if (path.endsWith('.js')) return send(request, response, 'text/javascript', adScript);
      return send(request, response, 'image/gif', adImage);
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    articleUrl: `http://127.0.0.1:${port}/article`,
    plainUrl: `http://127.0.0.1:${port}/plain`,
    namedPlainUrl: `http://${cosmeticHosts.generic}:${port}/named-plain`,
    cosmeticUrl: (host) => `http://${host}:${port}/cosmetic`,
    hits,
    adHits: () => hits.filter((hit) => adHosts.some((host) => hit.startsWith(`${host}/`))),
    bytesSent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
