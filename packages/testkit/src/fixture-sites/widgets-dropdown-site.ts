import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A plan picker built from divs (no <select>, no ARIA): a toggle opens a list of options, a click
 * on one picks it; "Continue" records the chosen plan.
 */
const plans = [
  ['starter', 'Starter', '$0 / month'],
  ['team', 'Team', '$12 / user / month'],
  ['business', 'Business', '$29 / user / month'],
];

const style = `
.picker{position:relative;width:300px}
.picker-toggle{background:#fff;border:1px solid #b7bec8;border-radius:4px;padding:7px 10px;cursor:pointer;display:flex;justify-content:space-between}
.picker-list{position:absolute;left:0;right:0;top:100%;background:#fff;border:1px solid #b7bec8;border-radius:4px;margin-top:2px;display:none;z-index:3}
.picker.open .picker-list{display:block}
.picker-option{padding:7px 10px;cursor:pointer;display:flex;justify-content:space-between}
.picker-option:hover{background:#eff6ff}
.picker-option .price{color:#6b7380}
#result{color:#166534}
`;

const script = `${recordResultScript}
var picker = document.getElementById('plan-picker');
var chosen = null;
picker.querySelector('.picker-toggle').addEventListener('click', function () { picker.classList.toggle('open'); });
picker.querySelectorAll('.picker-option').forEach(function (option) {
  option.addEventListener('click', function () {
    chosen = option.dataset.value;
    picker.querySelector('.picker-current').textContent = option.querySelector('.plan').textContent;
    picker.classList.remove('open');
  });
});
document.getElementById('continue').addEventListener('click', function () {
  if (!chosen) { document.getElementById('result').textContent = 'Choose a plan first.'; return; }
  document.getElementById('result').textContent = 'Plan ' + chosen + ' chosen';
  recordResult('dropdown', chosen);
});
`;

const body = `<h1>Choose your plan</h1>
<label>Plan</label>
<div class="picker" id="plan-picker">
  <div class="picker-toggle"><span class="picker-current">Select a plan</span><span>&#9662;</span></div>
  <div class="picker-list">${plans.map(([value, label, price]) => `<div class="picker-option" data-value="${value}"><span class="plan">${label}</span><span class="price">${price}</span></div>`).join('')}</div>
</div>
<p><button id="continue" type="button">Continue</button></p>
<p id="result"></p>`;

export const dropdownRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/plan-picker',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Plans – Crewdesk', brand: 'Crewdesk', body, style, script })),
  },
];
