import { escapeHtml } from './escape-html.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { readForm } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';

/**
 * A licence-key activation page: a long read-only textarea whose exact value (leading and
 * trailing spaces included) must be pasted into the activation field. The server checks it.
 */
const words = ['amber', 'basalt', 'cobalt', 'dune', 'ember', 'fjord', 'granite', 'harbor', 'indigo', 'juniper', 'kelp', 'lagoon'];
export const licenceText = `  ${Array.from({ length: 160 }, (_unused, position) => `${words[position % words.length]}-${(position * 37) % 1000}`).join(' ')}  `;

function render(context: SiteContext, message: string): void {
  const body = `<h1>Activate your licence</h1>
<label for="licence">Your licence block</label>
<textarea id="licence" readonly rows="6" cols="70">${escapeHtml(licenceText)}</textarea>
<form method="post" action="/activate">
  <label for="activation">Paste the licence block exactly</label>
  <textarea id="activation" name="activation" rows="6" cols="70"></textarea>
  <p><button type="submit">Activate</button></p>
</form>
<p id="result">${escapeHtml(message)}</p>`;
  sendHtml(context.response, renderPage(context, { title: 'Activate – Keystone', brand: 'Keystone', body }));
}

export const copyTextRoutes: SiteRoute[] = [
  { method: 'GET', path: '/activate', handle: (context) => render(context, '') },
  {
    method: 'POST',
    path: '/activate',
    async handle(context) {
      const { activation = '' } = await readForm(context.request);
      const exact = activation.replace(/\r\n/g, '\n') === licenceText;
      context.state.records.widgetResults.push({ widget: 'copy', result: exact ? 'exact' : `different (${activation.length} characters)` });
      render(context, exact ? 'Licence activated.' : 'That does not match the licence block.');
    },
  },
];
