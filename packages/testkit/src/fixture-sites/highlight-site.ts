import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A report reader with a "quote" feature: selecting text with the mouse and releasing it records
 * the selection, the way annotation tools react to mouseup.
 */
const script = `${recordResultScript}
document.getElementById('report').addEventListener('mouseup', function () {
  var selected = String(window.getSelection()).replace(/\\s+/g, ' ').trim();
  if (!selected) return;
  document.getElementById('quoted').textContent = 'Quoted: ' + selected;
  recordResult('highlight', selected);
});
`;

const body = `<h1>Q3 report</h1>
<article id="report" style="background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:12px 18px;max-width:640px">
  <p>The third quarter closed ahead of plan. Across all regions, quarterly revenue grew by 12% while operating costs stayed flat.</p>
  <p>Hiring slowed in September as planned; the support team reached its response-time goal for the first time this year.</p>
</article>
<p>Select a sentence to quote it in your notes.</p>
<p id="quoted"></p>`;

export const highlightRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/report',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Q3 report – Ledgerline', brand: 'Ledgerline', body, script })),
  },
];
