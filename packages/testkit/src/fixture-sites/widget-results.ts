import { sendJson } from './http-responses.js';
import { readJsonObject } from './request-body.js';
import type { SiteRoute } from './site-context.js';

/** Widget pages POST {widget, result} here when their task is done, so tests can prove it server-side. */
export const widgetResultRoutes: SiteRoute[] = [
  {
    method: 'POST',
    path: '/api/widget-result',
    async handle(context) {
      const body = await readJsonObject(context.request);
      if (typeof body.widget !== 'string' || typeof body.result !== 'string') {
        sendJson(context.response, { error: 'widget and result (strings) are required' }, 400);
        return;
      }
      context.state.records.widgetResults.push({ widget: body.widget, result: body.result });
      sendJson(context.response, { ok: true });
    },
  },
];

/** Client-side helper the widget pages inline. */
export const recordResultScript = `
function recordResult(widget, result) {
  return fetch('/api/widget-result', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ widget: widget, result: String(result) }) });
}
`;
