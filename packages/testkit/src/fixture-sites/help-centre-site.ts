import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A help centre whose answers unfold with a CSS height transition (600 ms): mid-way, the links at
 * the bottom of an answer are still clipped. Following "Start a return" records it.
 */
const style = `
.question{display:block;width:100%;text-align:left;background:#fff;color:#14324f;border:1px solid #d5dae0;border-radius:6px;margin:6px 0 0;padding:10px 14px;font-weight:600}
.answer{overflow:hidden;max-height:0;transition:max-height 600ms ease-in-out;background:#fff;border:0 solid #d5dae0;border-radius:0 0 6px 6px}
.answer.open{max-height:320px;border-width:0 1px 1px}
.answer p{margin:10px 14px}
`;

const script = `${recordResultScript}
document.querySelectorAll('.question').forEach(function (question) {
  question.addEventListener('click', function () {
    var answer = document.getElementById(question.getAttribute('aria-controls'));
    var open = answer.classList.toggle('open');
    question.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
});
document.getElementById('start-return').addEventListener('click', function (event) {
  event.preventDefault();
  recordResult('help-centre', 'start-return');
  document.getElementById('started').textContent = 'Return started.';
});
`;

const body = `<h1>Help centre</h1>
<button type="button" class="question" aria-expanded="false" aria-controls="answer-delivery">When will my order arrive?</button>
<div class="answer" id="answer-delivery"><p>Most orders arrive in 2–4 working days.</p></div>
<button type="button" class="question" aria-expanded="false" aria-controls="answer-returns">How do I return an item?</button>
<div class="answer" id="answer-returns">
  <p>You have 30 days to send an item back. Pack it in its original box with the delivery note.</p>
  <p>Print the label from your account, then drop the parcel at any post office.</p>
  <p>Refunds reach your card within 5 days of the return arriving.</p>
  <p><a href="#" id="start-return">Start a return</a></p>
</div>
<p id="started"></p>`;

export const helpCentreRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/help',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Help – Parcelly', brand: 'Parcelly', body, style, script })),
  },
];
