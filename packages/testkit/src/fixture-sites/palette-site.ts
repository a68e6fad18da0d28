import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A theme picker whose swatches are plain coloured squares: no names, no text, no colour in any
 * attribute the text view shows, so only the pixels tell them apart. A click records the colour.
 */
export const paletteColours = ['#d62828', '#f77f00', '#fcbf49', '#2a9d3f', '#1d4ed8', '#7b2cbf'];

const style = `
.swatches{display:flex;gap:20px;margin:24px 0}
.swatch{width:80px;height:80px;border-radius:8px;cursor:pointer;border:0;padding:0}
`;

const script = `${recordResultScript}
var colours = ${JSON.stringify(paletteColours)};
document.querySelectorAll('.swatch').forEach(function (swatch, position) {
  swatch.style.background = colours[(position + 2) % colours.length];
  swatch.addEventListener('click', function () {
    var colour = colours[(position + 2) % colours.length];
    document.getElementById('picked').textContent = 'Theme saved.';
    recordResult('palette', colour);
  });
});
`;

const body = `<h1>Choose a theme colour</h1>
<div class="swatches">${paletteColours.map((_colour, position) => `<button type="button" class="swatch" aria-label="Theme ${position + 1}"></button>`).join('')}</div>
<p id="picked"></p>`;

export const paletteRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/theme',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Theme – Inkwell', brand: 'Inkwell', body, style, script })),
  },
];
