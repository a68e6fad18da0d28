import { escapeHtml } from './escape-html.js';
import { sendHtml, sendJson, sendRedirect, sendText } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { otherHostUrl, type SiteContext, type SiteRoute } from './site-context.js';

const brand = 'Policy probes';

/** Probes for an allowed-URLs policy: each page tries to reach the other loopback host name in a different way. */
function renderProbe(context: SiteContext, title: string, content: string, script = ''): void {
  const body = `<h1>${escapeHtml(title)}</h1>\n${content}`;
  sendHtml(context.response, renderPage(context, { title, brand, body, script }));
}

function redirect(context: SiteContext): void {
  const target = context.url.searchParams.get('to') ?? '';
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    sendText(context.response, 'the "to" parameter must be an absolute URL', 400);
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    sendText(context.response, 'only http and https redirects are allowed', 400);
    return;
  }
  sendRedirect(context.response, parsed.href, 302);
}

function navigateProbe(context: SiteContext): void {
  const target = otherHostUrl(context, '/policy/landing');
  renderProbe(context, 'Leaving this site', `<p>You are about to visit our partner.</p><p><a id="other-host-link" href="${target}">Continue to partner site</a></p>`);
}

function popupProbe(context: SiteContext): void {
  const target = otherHostUrl(context, '/policy/landing');
  const script = `document.getElementById('open-window').addEventListener('click', function () { window.open(${JSON.stringify(target)}, 'partner'); });`;
  renderProbe(
    context,
    'Open the partner site',
    `<p><a id="popup-link" href="${target}" target="_blank" rel="noopener">Open partner site in a new tab</a></p>
<p><button type="button" id="open-window">Open partner window</button></p>`,
    script,
  );
}

function iframeProbe(context: SiteContext): void {
  const target = otherHostUrl(context, '/policy/landing?embedded=1');
  renderProbe(context, 'Embedded partner content', `<iframe id="other-host-frame" title="Partner content" src="${target}" width="480" height="160"></iframe>`);
}

function fetchProbe(context: SiteContext): void {
  const target = otherHostUrl(context, '/api/ping');
  const script = `
document.getElementById('fetch-button').addEventListener('click', function () {
  var result = document.getElementById('fetch-result');
  fetch(${JSON.stringify(target)})
    .then(function (response) { return response.json(); })
    .then(function (body) { result.textContent = 'pong from ' + body.host; })
    .catch(function () { result.textContent = 'fetch failed'; });
});`;
  renderProbe(context, 'Check partner status', `<p><button type="button" id="fetch-button">Check partner status</button></p><p id="fetch-result" role="status" aria-live="polite"></p>`, script);
}

function landing(context: SiteContext): void {
  renderProbe(context, 'Partner site', `<p id="landing-host">You reached the partner site on ${escapeHtml(context.hostName)}.</p>`);
}

function ping(context: SiteContext): void {
  sendJson(context.response, { pong: true, host: context.hostName }, 200, { 'access-control-allow-origin': '*' });
}

function probeIndex(context: SiteContext): void {
  const links = ['/policy/navigate', '/policy/popup', '/policy/iframe', '/policy/fetch']
    .map((path) => `<li><a href="${path}">${path}</a></li>`)
    .join('');
  renderProbe(context, 'Policy probes', `<ul>${links}</ul><p>Redirect endpoint: <code>/redirect?to=&lt;absolute url&gt;</code></p>`);
}

export const policyRoutes: SiteRoute[] = [
  { method: 'GET', path: '/redirect', handle: redirect },
  { method: 'GET', path: '/policy', handle: probeIndex },
  { method: 'GET', path: '/policy/navigate', handle: navigateProbe },
  { method: 'GET', path: '/policy/popup', handle: popupProbe },
  { method: 'GET', path: '/policy/iframe', handle: iframeProbe },
  { method: 'GET', path: '/policy/fetch', handle: fetchProbe },
  { method: 'GET', path: '/policy/landing', handle: landing },
  { method: 'GET', path: '/api/ping', handle: ping },
];
