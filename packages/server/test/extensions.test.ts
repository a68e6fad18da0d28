import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startScriptedModelServer, type ScriptedModelServer } from '@open-smooth/testkit';

import { fileForm } from './support/uploads.js';
import { testExtensionFiles, zipOf } from './support/test-extension.js';
import { pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

/** A site on 127.0.0.1 that records every request, with the host it was made to. */
async function startRecordingSite() {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${(request.headers.host ?? '').replace(/:\d+$/, '')}${request.url ?? ''}`);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Plain page</title><h1>A plain page</h1><p>Nothing else here.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

/** Waits in the page for the content script's answer from the background worker. */
const readExtensionMarks = `() => new Promise((resolve) => {
  const read = () => {
    const answer = document.getElementById('extension-background');
    if (!answer) return setTimeout(read, 50);
    resolve({ banner: document.getElementById('extension-banner')?.textContent ?? null, background: answer.textContent });
  };
  read();
})`;

let server: TestServer;
let site: Awaited<ReturnType<typeof startRecordingSite>>;
let model: ScriptedModelServer;

before(async () => {
  site = await startRecordingSite();
  // The agent's model answers with what it was shown about the extension's banner.
  model = await startScriptedModelServer((request) => ({
    toolCalls: [{ name: 'done', arguments: { answer: request.lastUserText.includes('Injected by the test extension') ? 'banner seen' : 'no banner' } }],
  }));
  server = await startTestServer({ modelEnvironment: model.environment() });
});
after(async () => {
  await server?.close();
  await model?.close();
  await site?.close();
});

async function upload(zip: Buffer, fileName = 'extension.zip') {
  return server.api('POST', '/browser/extension', { rawBody: fileForm(zip, fileName) });
}

describe('extensions', () => {
  it('refuses at upload, with a 400 saying why, what Chromium could not load', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [await zipOf({ 'background.js': '' }), /no manifest\.json/],
      [await zipOf({ 'manifest.json': '{ not json' }), /not valid JSON/],
      [await zipOf({ 'manifest.json': JSON.stringify({ manifest_version: 1, name: 'x', version: '1' }) }), /manifest_version/],
      [await zipOf({ 'manifest.json': JSON.stringify({ manifest_version: 3, version: '1' }) }), /"name"/],
      [Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)]), /not a readable zip/],
    ];
    for (const [zip, detail] of cases) {
      const answer = await upload(zip);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(answer.body.detail, detail);
    }
    assert.deepEqual((await server.api('GET', '/extension')).body.r, [], 'nothing refused was kept');
  });

  it('loads an uploaded MV3 extension into the task: the content script changes the page for evaluate_js and the agent; its background worker runs, within allowed_urls', async () => {
    // Zipped as a folder, as people do.
    const uploaded = await upload(await zipOf(testExtensionFiles, 'my-extension/'), 'my-extension.zip');
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    const extensionId: string = uploaded.body.r.id;

    const created = await server.api('POST', '/task', { body: { task: null, url: site.url, device: 'desktop', extensions: [extensionId], allowed_urls: [`${site.url}*`] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id: string = created.body.r.id;

    const marks = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: readExtensionMarks }, 'marks');
    assert.equal(marks.payload.code, 200, JSON.stringify(marks.payload));
    assert.equal(marks.payload.output.output.banner, 'Injected by the test extension');
    // allowed_urls holds for the background worker too: its request outside them was refused.
    assert.equal(marks.payload.output.output.background, 'background answered: ping fulfilled, outside rejected');
    assert.ok(await waitFor(() => site.hits.includes('127.0.0.1/extension-ping')), `the background worker's request reached the site (hits: ${site.hits.join(', ')})`);

    assert.ok(!site.hits.some((hit) => hit.startsWith('localhost/')), `nothing reached the host outside allowed_urls (hits: ${site.hits.join(', ')})`);

    const ran = await sendCommand(server, id, 'session_action', 'run_task', { task: 'Is there a banner from the extension?', max_steps: 3 }, 'run');
    assert.equal(ran.payload.code, 200, JSON.stringify(ran.payload));
    assert.equal(ran.payload.output.output, 'banner seen', 'the agent was shown the banner');

    await sendCommand(server, id, 'session_action', 'close', {}, 'close');
    assert.equal((await pollEvents(server, id, () => false)).status, 'done');
  });

  it('a task without the extension does not get it', async () => {
    const created = await server.api('POST', '/task', { body: { task: null, url: site.url, device: 'desktop' } });
    const id: string = created.body.r.id;
    const banner = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: "document.getElementById('extension-banner') === null" }, 'banner');
    assert.equal(banner.payload.output.output, true);
    await sendCommand(server, id, 'session_action', 'close', {}, 'close');
  });
});
