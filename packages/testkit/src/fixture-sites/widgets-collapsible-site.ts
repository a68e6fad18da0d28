import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A help page whose answers are collapsed panels (div headers with a click listener, the body
 * slides open with a CSS transition). The refund panel holds the link the task needs; following it
 * is recorded.
 */
const style = `
.panel{background:#fff;border:1px solid #e3e6ea;border-radius:6px;margin-bottom:8px;width:620px}
.panel-header{padding:10px 14px;font-weight:600;display:flex;justify-content:space-between}
.panel-body{max-height:0;overflow:hidden;transition:max-height 250ms ease;padding:0 14px}
.panel.open .panel-body{max-height:200px}
`;

const script = `${recordResultScript}
document.querySelectorAll('.panel-header').forEach(function (header) {
  header.addEventListener('click', function () { header.parentElement.classList.toggle('open'); });
});
document.getElementById('refund-form').addEventListener('click', function (event) {
  event.preventDefault();
  document.getElementById('downloaded').textContent = 'Refund form downloaded';
  recordResult('collapsible', 'refund-form');
});
`;

const panels = [
  ['Shipping times', '<p>Orders ship within two working days. Express orders ship the same day.</p>'],
  ['Refunds', '<p>You can ask for a refund within 30 days. <a id="refund-form" href="/widgets/help/refund-form.pdf">Download the refund form</a> and send it to us.</p>'],
  ['Warranty', '<p>Every device comes with a two-year warranty.</p>'],
];

const body = `<h1>Help centre</h1>
${panels.map(([title, content]) => `<div class="panel"><div class="panel-header"><span>${title}</span><span>+</span></div><div class="panel-body">${content}</div></div>`).join('\n')}
<p id="downloaded"></p>`;

export const collapsibleRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/help',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Help – Gadgetly', brand: 'Gadgetly', body, style, script })),
  },
];
