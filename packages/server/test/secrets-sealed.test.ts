import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findElementIndex, startScriptedModelServer } from '@open-smooth/testkit';
import { startCountingProxy } from './support/counting-proxy.js';
import { makeTestCertificates, removeTestCertificates } from './support/mtls-site.js';
import { storedDatabaseContents } from './support/test-database.js';
import { pollEvents, sendCommand, startTestServer } from './support/test-server.js';

/** Every character class that encodes differently: @, space, !, &, =, /. */
const secret = 'p@ss word!&x=1/2';
const secretForms = {
  raw: secret,
  uriComponent: encodeURIComponent(secret),
  form: new URLSearchParams([['', secret]]).toString().slice(1),
};

/** A search form (GET, so the value lands in the URL form-encoded) and a results page that shows it. */
async function startSearchSite() {
  const received: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (url.pathname === '/search') {
      const query = url.searchParams.get('q') ?? '';
      received.push(query);
      const escaped = query.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      response.end(`<!doctype html><title>Results</title><p>You searched for: <b id="term">${escaped}</b></p><a href="/next?token=${encodeURIComponent(query)}">Next page</a>`);
      return;
    }
    response.end('<!doctype html><title>Search</title><form action="/search" method="get"><label>Token <input name="q"></label><button>Search</button></form>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function formsIn(text: string): string[] {
  return Object.entries(secretForms)
    .filter(([, form]) => text.includes(form))
    .map(([name]) => name);
}

test("a secret's raw, URL- and form-encoded forms reach no model request, event, step, output, database file or WAL", async (t) => {
  const site = await startSearchSite();
  let extractionRequests = 0;
  const model = await startScriptedModelServer((request) => {
    if (request.tools.length === 0) {
      extractionRequests += 1;
      return { text: JSON.stringify({ searched: 'a placeholder' }) };
    }
    const observation = request.lastUserText;
    const onSearchPage = /^url: .*\/$/m.test(observation);
    const token = findElementIndex(observation, { role: 'textbox', name: 'Token' });
    if (onSearchPage && token !== undefined) return { toolCalls: [{ name: 'type', arguments: { index: token, text: '<secret:token>', submit: true } }] };
    const extracted = request.messages.some((message) => JSON.stringify(message.tool_calls ?? '').includes('extract'));
    if (!extracted) return { toolCalls: [{ name: 'extract', arguments: { prompt: 'what was searched for' } }] };
    return { toolCalls: [{ name: 'done', arguments: { answer: 'searched' } }] };
  });
  const server = await startTestServer({ modelEnvironment: model.environment() });
  t.after(async () => {
    await server.close();
    await model.close();
    await site.close();
  });

  const created = await server.api('POST', '/task', {
    body: { task: null, device: 'desktop', secrets: { token: secret }, proxy_password: `${secret}-proxy` },
  });
  // The proxy password is only here to be sealed; a server that refuses a proxy password without a proxy says so.
  const body = created.status === 200 ? created.body : (await server.api('POST', '/task', { body: { task: null, device: 'desktop', secrets: { token: secret } } })).body;
  const id: string = body.r.id;

  const ran = await sendCommand(server, id, 'session_action', 'run_task', { task: 'Search for the token', url: `${site.url}/`, max_steps: 6 }, 'run');
  assert.equal(ran.payload.code, 200, JSON.stringify(ran.payload));
  // The secret really went to the site, so its absence below means masking, not a task that did nothing.
  assert.deepEqual(site.received, [secret]);

  const script = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: 'document.body.innerText + " " + location.href + " " + document.querySelector("a").href' }, 'script');
  assert.equal(script.payload.code, 200);
  assert.match(script.payload.output.output, /<secret:token>.*<secret:token>.*<secret:token>/s);
  const extracted = await sendCommand(server, id, 'browser_action', 'extract', { schema: { type: 'object', properties: { searched: { type: 'string' } } }, prompt: 'what was searched for' }, 'extract');
  assert.equal(extracted.payload.code, 200, JSON.stringify(extracted.payload));
  await sendCommand(server, id, 'session_action', 'close', {}, 'close');
  const { events } = await pollEvents(server, id, () => false);

  // Both extraction calls (the agent's action and the session command) ran over the page that shows the secret.
  assert.ok(extractionRequests >= 2, `${extractionRequests} extraction requests`);
  for (const request of model.requests) assert.deepEqual(formsIn(request.rawBody), [], `model request ${request.callIndex}`);
  assert.ok(model.requests.some((request) => request.tools.length === 0 && request.rawBody.includes('<secret:token>')));
  assert.deepEqual(formsIn(JSON.stringify(events)), []);
  const finished = await server.api('GET', `/task/${id}?event_t=0`);
  assert.deepEqual(formsIn(JSON.stringify(finished.body)), []);

  // Nothing the database holds has it: SQLite's file, WAL and shared memory, or PostgreSQL's tables.
  const stored = await storedDatabaseContents(server);
  for (const { name, text } of stored) {
    assert.deepEqual(formsIn(text), [], name);
    assert.equal(text.includes(`${secret}-proxy`), false);
  }
  // The steps were stored (with the step URLs that carried the form-encoded value).
  assert.ok(stored.some(({ text }) => text.includes('/search?q=<secret:token>')), 'the step URL is stored, masked');
  // The distributed topology's processes share a key given to them (the secretKey option) instead.
  if (!server.distributed) {
    const keyFile = await stat(join(server.dataDirectory, 'server-secret.key'));
    assert.equal(keyFile.mode & 0o777, 0o600);
  }
});

test("a task's proxy password, certificate (bytes and password) and secrets are in no stored row, while it waits (its launch, in the distributed mode) or once it ended", async (t) => {
  const certificates = await makeTestCertificates();
  const proxyPassword = 'proxy-pw-c41d07';
  const proxy = await startCountingProxy({ username: 'tester', password: proxyPassword });
  const server = await startTestServer();
  t.after(async () => {
    await server.close();
    await proxy.close();
    await removeTestCertificates(certificates);
  });
  const p12Base64 = certificates.clientP12.toString('base64');
  const needles = { secret, proxyPassword, p12Password: certificates.p12Password, p12Bytes: p12Base64.slice(100, 164) };
  const clearIn = (text: string) => Object.entries(needles).filter(([, needle]) => text.includes(needle)).map(([name]) => name);

  const created = await server.api('POST', '/task', {
    body: {
      task: null,
      secrets: { token: secret },
      proxy_server: proxy.address,
      proxy_username: 'tester',
      proxy_password: proxyPassword,
      certificates: [{ file: p12Base64, password: certificates.p12Password, origin: 'https://127.0.0.1:9' }],
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id: string = created.body.r.id;
  for (const { name, text } of await storedDatabaseContents(server)) assert.deepEqual(clearIn(text), [], `${name} just after creation`);
  const closed = await sendCommand(server, id, 'session_action', 'close', {}, 'close');
  assert.equal(closed.payload.code, 200);
  assert.equal((await pollEvents(server, id, () => false)).status, 'done');
  for (const { name, text } of await storedDatabaseContents(server)) assert.deepEqual(clearIn(text), [], `${name} once it ended`);
});
