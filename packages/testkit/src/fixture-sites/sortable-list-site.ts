import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A release checklist reordered by dragging with the mouse (mousedown / mousemove / mouseup, the
 * way sortable-list libraries do it, no HTML5 drag and drop); "Save order" records the order.
 */
const style = `
.steps{list-style:none;margin:0;padding:0;max-width:420px}
.steps li{background:#fff;border:1px solid #ccd3db;border-radius:6px;margin:6px 0;padding:10px 14px;cursor:grab;user-select:none}
.steps li.dragging{opacity:.6;box-shadow:0 4px 10px rgba(0,0,0,.2)}
`;

const script = `${recordResultScript}
var list = document.getElementById('steps');
var dragged = null;
list.addEventListener('mousedown', function (event) {
  var item = event.target.closest('li');
  if (!item) return;
  dragged = item;
  item.classList.add('dragging');
  event.preventDefault();
});
document.addEventListener('mousemove', function (event) {
  if (!dragged) return;
  var siblings = Array.prototype.filter.call(list.children, function (item) { return item !== dragged; });
  var before = siblings.find(function (item) { var box = item.getBoundingClientRect(); return event.clientY < box.top + box.height / 2; });
  list.insertBefore(dragged, before || null);
});
document.addEventListener('mouseup', function () {
  if (!dragged) return;
  dragged.classList.remove('dragging');
  dragged = null;
});
document.getElementById('save-order').addEventListener('click', function () {
  var order = Array.prototype.map.call(list.children, function (item) { return item.textContent.trim(); }).join(' > ');
  document.getElementById('saved').textContent = 'Saved: ' + order;
  recordResult('sortable', order);
});
`;

const body = `<h1>Release checklist</h1>
<p>Drag the steps into the order they should run, then save.</p>
<ul class="steps" id="steps">
  <li tabindex="0" role="button" aria-roledescription="sortable">Run tests</li>
  <li tabindex="0" role="button" aria-roledescription="sortable">Tag release</li>
  <li tabindex="0" role="button" aria-roledescription="sortable">Announce</li>
  <li tabindex="0" role="button" aria-roledescription="sortable">Deploy</li>
</ul>
<button type="button" id="save-order">Save order</button>
<p id="saved"></p>`;

export const sortableListRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/checklist',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Checklist – Shipyard', brand: 'Shipyard', body, style, script })),
  },
];
