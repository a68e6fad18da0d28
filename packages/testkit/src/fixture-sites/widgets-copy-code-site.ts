import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A verification step: the page shows a code whose leading and trailing spaces are part of it (in
 * a read-only field) and asks for it to be entered exactly. The submitted value is recorded as is.
 */
export const copyCode = '  KX-7 4Q  ';

const style = `
.code{font:16px ui-monospace,Menlo,monospace;background:#fff8e1;border:1px dashed #d4a72c;padding:6px;width:260px}
#verdict{font-weight:600}
`;

const script = `${recordResultScript}
document.getElementById('verify').addEventListener('submit', function (event) {
  event.preventDefault();
  var value = document.getElementById('entered').value;
  var ok = value === document.getElementById('code').value;
  document.getElementById('verdict').textContent = ok ? 'Code accepted' : 'That is not the exact code';
  recordResult('copy-code', value);
});
`;

const body = `<h1>Confirm your device</h1>
<p>Enter the code below exactly as shown, spaces included.</p>
<label for="code">Your code</label>
<input id="code" class="code" readonly value="${copyCode}">
<form id="verify">
  <label for="entered">Enter the code</label>
  <input id="entered" type="text" autocomplete="off">
  <p><button type="submit">Verify</button></p>
</form>
<p id="verdict"></p>`;

export const copyCodeRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/copy-code',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Confirm device – Keyring', brand: 'Keyring', body, style, script })),
  },
];
