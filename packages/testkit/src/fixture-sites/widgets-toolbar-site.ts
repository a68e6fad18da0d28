import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';
import { svgIcon } from './widgets-icons.js';

/**
 * A note editor whose formatting toolbar is icons only: no text, no role, no cursor style, one
 * click handler on the toolbar that reads `data-cmd` from the clicked item (event delegation).
 * Saving records the formats applied, in order.
 */
const style = `
.toolbar{display:flex;gap:2px;background:#fff;border:1px solid #d5dae1;border-radius:6px 6px 0 0;padding:4px;width:max-content}
.toolbar .tb{display:inline-flex;padding:5px;border-radius:4px;color:#374151}
.toolbar .tb.on{background:#dbeafe;color:#1d4ed8}
.toolbar .sep{width:1px;background:#d5dae1;margin:2px 6px}
.note{background:#fff;border:1px solid #d5dae1;border-top:0;padding:12px;min-height:90px;width:520px}
#status{color:#6b7380;font-size:13px}
`;

const script = `${recordResultScript}
var applied = [];
document.getElementById('toolbar').addEventListener('click', function (event) {
  var item = event.target.closest('[data-cmd]');
  if (!item) return;
  var command = item.dataset.cmd;
  if (command === 'save') {
    document.getElementById('status').textContent = 'Saved with ' + (applied.join(', ') || 'no formatting');
    recordResult('toolbar', applied.join(','));
    return;
  }
  if (command === 'undo') { var last = applied.pop(); if (last) document.querySelector('[data-cmd="' + last + '"]').classList.remove('on'); return; }
  if (applied.indexOf(command) < 0) { applied.push(command); item.classList.add('on'); }
  document.getElementById('status').textContent = 'Formats: ' + applied.join(', ');
});
`;

const body = `<h1>Meeting note</h1>
<div class="toolbar" id="toolbar">
  <span class="tb" data-cmd="bold">${svgIcon('bold')}</span>
  <span class="tb" data-cmd="italic">${svgIcon('italic')}</span>
  <span class="tb" data-cmd="underline">${svgIcon('underline')}</span>
  <span class="sep"></span>
  <span class="tb" data-cmd="undo">${svgIcon('undo')}</span>
  <span class="tb" data-cmd="save">${svgIcon('save')}</span>
</div>
<div class="note"><p>Quarterly planning moved to Thursday. Bring the updated headcount sheet.</p></div>
<p id="status">No formatting yet</p>`;

export const toolbarRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/toolbar',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Note editor – Jotter', brand: 'Jotter', body, style, script })),
  },
];
