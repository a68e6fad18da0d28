import { sendJson } from './http-responses.js';
import { readJsonObject } from './request-body.js';
import type { SiteRoute } from './site-context.js';

/** Buttons on the sites POST {target} here so tests can prove a click really happened. */
export const clickRoutes: SiteRoute[] = [
  {
    method: 'POST',
    path: '/api/click',
    async handle(context) {
      const body = await readJsonObject(context.request);
      if (typeof body.target !== 'string' || body.target === '') {
        sendJson(context.response, { error: 'target is required' }, 400);
        return;
      }
      context.state.records.clicks.push({ target: body.target });
      sendJson(context.response, { ok: true, target: body.target });
    },
  },
];

/** Client-side helper the pages inline: records a click, then resolves. */
export const recordClickScript = `
function recordClick(target) {
  return fetch('/api/click', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: target }) });
}
`;
