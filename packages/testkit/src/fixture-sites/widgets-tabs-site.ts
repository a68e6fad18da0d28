import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A product page with tabs built the way jQuery UI builds them: each tab is an `<li role="tab">`
 * holding an `<a href="#panel">` (role presentation) that a handler on the tab list serves. The
 * Reviews tab shows reviews with a "Helpful" button each; pressing one is recorded.
 */
const style = `
.tabs [role=tablist]{display:flex;gap:4px;list-style:none;padding:0;margin:0;border-bottom:1px solid #c9d1da}
.tabs [role=tab]{border:1px solid #c9d1da;border-bottom:0;border-radius:4px 4px 0 0;background:#eef2f6}
.tabs [role=tab][aria-selected=true]{background:#fff}
.tabs [role=tab] a{display:block;padding:6px 14px;color:#14324f;text-decoration:none}
.tabs [role=tabpanel]{border:1px solid #c9d1da;border-top:0;padding:10px 14px;background:#fff;width:560px}
.tabs [role=tabpanel][hidden]{display:none}
`;

const tabs: Array<[string, string, string]> = [
  ['description', 'Description', '<p>A quiet burr grinder with 40 grind settings, from espresso to French press.</p>'],
  ['specifications', 'Specifications', '<table><tr><th>Weight</th><td>1.2 kg</td></tr><tr><th>Hopper</th><td>250 g</td></tr></table>'],
  [
    'reviews',
    'Reviews',
    ['Priya S.: Consistent grind, easy to clean.', 'Tom W.: Louder than I hoped.']
      .map((review, position) => `<div class="review"><p>${review}</p><button type="button" class="helpful" data-review="${position + 1}">Helpful</button></div>`)
      .join(''),
  ],
];

const body = `<h1>Burr Coffee Grinder</h1>
<div class="tabs">
<ul role="tablist">
${tabs.map(([id, label], position) => `<li role="tab" aria-controls="${id}" aria-selected="${position === 0}"><a href="#${id}" role="presentation" tabindex="-1">${label}</a></li>`).join('\n')}
</ul>
${tabs.map(([id, , content], position) => `<div role="tabpanel" id="${id}"${position === 0 ? '' : ' hidden'}>${content}</div>`).join('\n')}
</div>
<p id="thanks"></p>`;

const script = `${recordResultScript}
var list = document.querySelector('[role=tablist]');
list.addEventListener('click', function (event) {
  var anchor = event.target instanceof Element ? event.target.closest('a') : null;
  if (!anchor) return;
  event.preventDefault();
  var chosen = anchor.getAttribute('href').slice(1);
  list.querySelectorAll('[role=tab]').forEach(function (tab) { tab.setAttribute('aria-selected', String(tab.getAttribute('aria-controls') === chosen)); });
  document.querySelectorAll('[role=tabpanel]').forEach(function (panel) { panel.hidden = panel.id !== chosen; });
});
document.querySelectorAll('.helpful').forEach(function (button) {
  button.addEventListener('click', function () {
    recordResult('tabs', 'helpful:' + button.dataset.review).then(function () { document.getElementById('thanks').textContent = 'Thanks for your feedback'; });
  });
});
`;

export const tabsRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/tabs',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Burr Coffee Grinder – Gadgetly', brand: 'Gadgetly', body, style, script })),
  },
];
