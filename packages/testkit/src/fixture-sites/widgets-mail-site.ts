import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';
import { svgIcon } from './widgets-icons.js';

/**
 * An inbox whose row actions are icon buttons without text or labels (star, trash, reply,
 * forward; the icon's class says which). Each action is recorded as `<action>:<message id>`.
 */
const messages = [
  { id: 'm1', from: 'Dana Whitfield', subject: 'Invoice 2291 for October', snippet: 'Please find attached the invoice for...' },
  { id: 'm2', from: 'Weekly Digest', subject: 'Your weekly newsletter', snippet: 'Ten things you missed this week...' },
  { id: 'm3', from: 'Sam Okafor', subject: 'Lunch on Friday?', snippet: 'Are you free around noon? The new place...' },
];

const style = `
.inbox{width:100%;max-width:860px;background:#fff;border:1px solid #e3e6ea;border-radius:6px}
.row{display:flex;align-items:center;gap:12px;padding:8px 12px;border-bottom:1px solid #eef0f3}
.row .from{width:150px;font-weight:600}.row .subject{flex:1}.row .snippet{color:#6b7380}
.icon-btn{background:none;border:0;padding:4px;color:#6b7380;cursor:pointer}
.icon-btn.starred{color:#d97706}
#toast{color:#166534}
`;

const script = `${recordResultScript}
document.querySelectorAll('.row').forEach(function (row) {
  row.querySelectorAll('.icon-btn').forEach(function (button) {
    button.addEventListener('click', function () {
      var action = button.className.match(/icon-btn-(\\w+)/)[1];
      if (action === 'star') button.classList.toggle('starred');
      if (action === 'trash') row.remove();
      document.getElementById('toast').textContent = action + ' done';
      recordResult('mail', action + ':' + row.dataset.id);
    });
  });
});
`;

const body = `<h1>Inbox</h1>
<div class="inbox" role="list">
${messages
  .map(
    (message) => `<div class="row" role="listitem" data-id="${message.id}">
  <button class="icon-btn icon-btn-star">${svgIcon('star', 'icon icon-star')}</button>
  <span class="from">${message.from}</span>
  <span class="subject">${message.subject}</span>
  <span class="snippet">${message.snippet}</span>
  <button class="icon-btn icon-btn-reply">${svgIcon('reply', 'icon icon-reply')}</button>
  <button class="icon-btn icon-btn-forward">${svgIcon('forward', 'icon icon-forward')}</button>
  <button class="icon-btn icon-btn-trash">${svgIcon('trash', 'icon icon-trash')}</button>
</div>`,
  )
  .join('\n')}
</div>
<p id="toast"></p>`;

export const mailRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/mail',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Inbox – Postbox', brand: 'Postbox', body, style, script })),
  },
];
