import { recordClickScript } from './click-api.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { otherHostUrl, type SiteContext, type SiteRoute } from './site-context.js';

const brand = 'Widgetry';

const frameLabels: Record<string, string> = {
  'same-origin-frame': 'Same-origin frame button',
  'cross-origin-frame': 'Cross-origin frame button',
};

/** A button that shows "Clicked!" only after the server recorded the click, so tests need no sleeps. */
function renderFramePage(context: SiteContext): void {
  const target = context.url.searchParams.get('target') ?? '';
  const label = frameLabels[target];
  if (label === undefined) {
    sendHtml(context.response, '<!doctype html><title>Unknown widget</title><p>Unknown widget</p>', 404);
    return;
  }
  sendHtml(context.response, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${label}</title>
<style>body{font:14px system-ui,sans-serif;margin:8px;background:#fffbe8}button{padding:6px 12px}</style></head>
<body>
<p>Embedded widget served from <span id="host">${context.hostName}</span>.</p>
<button type="button" id="frame-button">${label}</button>
<script>${recordClickScript}
document.getElementById('frame-button').addEventListener('click', function (event) {
  var button = event.currentTarget;
  recordClick(${JSON.stringify(target)}).then(function () { button.textContent = 'Clicked!'; });
});
</script>
</body></html>`);
}

const shadowScript = `${recordClickScript}
class PromoField extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    var root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<label for="promo">Promo code</label> <input id="promo" name="promo" type="text" placeholder="e.g. SPRING">' +
      '<p id="promo-echo" aria-live="polite"></p>';
    var input = root.getElementById('promo');
    var echo = root.getElementById('promo-echo');
    input.addEventListener('input', function () { echo.textContent = input.value ? 'Code entered: ' + input.value : ''; });
  }
}
class ShadowWidget extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    var root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>div{border:1px dashed #888;padding:8px;background:#eef6ff}</style>' +
      '<div><h3>Shadow widget</h3><button type="button" id="shadow-button">Shadow button</button><promo-field></promo-field></div>';
    var button = root.getElementById('shadow-button');
    button.addEventListener('click', function () {
      recordClick('shadow').then(function () { button.textContent = 'Clicked!'; });
    });
  }
}
customElements.define('promo-field', PromoField);
customElements.define('shadow-widget', ShadowWidget);
`;

function renderFramesPage(context: SiteContext): void {
  const crossOriginSource = otherHostUrl(context, '/frames/inner?target=cross-origin-frame');
  const body = `<h1>Embedded widgets</h1>
<p>This page embeds a same-origin frame, a frame from another site and a web component.</p>
<section><h2>Same-origin frame</h2>
<iframe id="same-origin-frame" title="Same-origin widget" src="/frames/inner?target=same-origin-frame" width="420" height="110"></iframe></section>
<section><h2>Cross-origin frame</h2>
<iframe id="cross-origin-frame" title="Partner widget" src="${crossOriginSource}" width="420" height="110"></iframe></section>
<section><h2>Web component</h2>
<shadow-widget id="shadow-widget"></shadow-widget></section>`;
  sendHtml(context.response, renderPage(context, { title: 'Widgets – Widgetry', brand, body, script: shadowScript }));
}

export const framesRoutes: SiteRoute[] = [
  { method: 'GET', path: '/frames', handle: renderFramesPage },
  { method: 'GET', path: '/frames/inner', handle: renderFramePage },
];
