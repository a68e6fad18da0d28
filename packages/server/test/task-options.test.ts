import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './support/test-server.js';

test('options this server cannot honour are refused with a 422 naming them; /api/docs says what each option does', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());

  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ use_captcha_solver: true }, /^use_captcha_solver: no captcha solver is configured on this server/],
    [{ experimental_features: { turbo: true, vision: 1 } }, /^experimental_features: this server has none \(turbo, vision\)/],
    [{ session_id: 'abc' }, /^session_id is not supported here/],
  ];
  for (const [fields, detail] of refusals) {
    const answer = await server.api('POST', '/task', { body: { task: null, ...fields } });
    assert.equal(answer.status, 422, JSON.stringify(fields));
    assert.match(answer.body.detail, detail);
  }
  // Saying no to them is fine.
  const accepted = await server.api('POST', '/task', { body: { task: null, use_captcha_solver: false, experimental_features: {}, session_id: null } });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  await server.api('DELETE', `/task/${accepted.body.r.id}`, { headers: { 'content-type': 'application/json' } });

  const document = (await (await fetch(`${server.server.url}/api/docs/openapi.json`)).json()) as any;
  const properties = document.components.schemas.TaskRequest.properties;
  assert.match(properties.profile_id.description, /saved back when the task or session ends.*409/);
  assert.match(properties.proxy_server.description, /"self".*FRP client/);
  assert.match(properties.certificates.description, /PKCS#12.*origin/);
  assert.match(properties.use_captcha_solver.description, /refused with a 422/);
});
