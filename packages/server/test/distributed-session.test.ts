import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loopbackNetworkAllowance, startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from '@open-smooth/testkit';
import { WebSocket } from 'ws';
import { startDistributedServers, type DistributedServers } from './support/distributed-servers.js';
import { startPageServer, type PageServer } from './support/page-server.js';
import { s3Blobs, type SuiteBlobs } from './support/suite-blob-store.js';
import { testPostgresCluster } from './support/test-database.js';
import { apiClientOf, firstKey, makeTemporaryDirectory, pollEvents, secondKey, sendCommand, type ApiClient } from './support/test-server.js';

/**
 * One session whose every API call goes to the other API process than the call before: the
 * commands, the held polls, a custom tool's answer and the live view all reach the worker that
 * holds the browser whichever API process they arrive at. Two API and two worker servers (child
 * processes) on PostgreSQL, Redis and S3.
 */
let pages: PageServer;
let model: ScriptedModelServer;
let blobs: SuiteBlobs;
let topology: DistributedServers;
/** Call n goes to API process n mod 2. */
let alternating: ApiClient;
const served = [0, 0];

before(async () => {
  [pages, model, blobs] = await Promise.all([
    startPageServer(),
    startScriptedModelServer(() => ({ text: 'no policy set' })),
    s3Blobs(),
  ]);
  const databaseUrl = await (await testPostgresCluster()).createDatabase();
  // Polls are held up to a minute: an answer within seconds comes from a wake-up across processes.
  topology = await startDistributedServers({
    apiKeys: [firstKey, secondKey],
    dataDirectory: await makeTemporaryDirectory(),
    databaseUrl,
    blobUrl: blobs.url,
    environment: blobs.environment,
    allowPrivateNetwork: loopbackNetworkAllowance,
    modelEnvironment: model.environment(),
    longPollMs: 60_000,
  });
  const clients = topology.apis.map((api) => apiClientOf(() => api.apiBaseUrl));
  let turn = 0;
  alternating = {
    api: (...request) => {
      const index = turn % clients.length;
      turn += 1;
      served[index] = (served[index] ?? 0) + 1;
      return clients[index]!.api(...request);
    },
  };
});

after(async () => {
  await topology?.close();
  await blobs?.store.close();
  await Promise.all([pages?.close(), model?.close()]);
});

/** Waits for the first binary frame of a live view socket at `url`. */
function firstFrame(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no frame from ${url} within 30 s`));
    }, 30_000);
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      clearTimeout(timer);
      socket.close();
      resolve(data.length);
    });
    socket.on('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      reject(new Error(`${url} refused the upgrade: ${response.statusCode}`));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

test('a session alternating between two API processes: commands, a held poll woken by the other process, the live view through each', async () => {
  const created = await alternating.api('POST', '/task', { body: { task: null, url: `${pages.url}/`, device: 'desktop', enable_recording: false } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { id, live_url: liveUrl } = created.body.r as { id: string; live_url: string };
  // The live URL names the address clients use (the proxy), not one API process.
  assert.ok(liveUrl.startsWith(`${topology.proxy.url}/live/${id}/`), liveUrl);

  const title = await sendCommand(alternating, id, 'browser_action', 'evaluate_js', { js: 'document.title' }, 'title');
  assert.deepEqual([title.payload.code, title.payload.output.output], [200, 'Home page']);
  const moved = await sendCommand(alternating, id, 'browser_action', 'goto', { url: `${pages.url}/second` }, 'goto-second');
  assert.equal(moved.payload.code, 200, JSON.stringify(moved.payload));
  const note = await sendCommand(alternating, id, 'browser_action', 'evaluate_js', { js: "document.querySelector('#note').textContent" }, 'note');
  assert.equal(note.payload.output.output, 'second');

  // A poll held by one API process wakes when a command sent to the other is answered.
  const [first, second] = topology.apis.map((api) => apiClientOf(() => api.apiBaseUrl)) as [ApiClient, ApiClient];
  const head = (await first.api('GET', `/task/${id}?event_t=0`)).body.r.events as Array<{ timestamp: number }>;
  const cursor = head[head.length - 1]?.timestamp ?? 0;
  const startedAt = Date.now();
  const held = first.api('GET', `/task/${id}?event_t=${cursor}`);
  const sent = await second.api('POST', `/task/${id}/event`, { body: { id: 'wake', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '20 + 22' } } } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const woke = await held;
  assert.ok(Date.now() - startedAt < 30_000, `the held poll answered after ${Date.now() - startedAt} ms (held up to 60 s)`);
  assert.equal(woke.status, 202);
  const { events } = await pollEvents(alternating, id, (collected) => collected.some((event) => event.id === 'wake'));
  assert.equal(events.find((event) => event.id === 'wake').payload.output.output, 42);

  // The live view answers through either API process and through the proxy.
  const path = new URL(liveUrl).pathname;
  for (const origin of [...topology.apis.map((api) => api.url), topology.proxy.url]) {
    assert.ok((await firstFrame(`${origin.replace('http', 'ws')}${path}/ws?interactive=false`)) > 0);
  }

  const closed = await sendCommand(alternating, id, 'session_action', 'close', {}, 'close');
  assert.deepEqual([closed.payload.code, closed.payload.output.output], [200, true]);
  const finished = await pollEvents(alternating, id, () => false);
  assert.equal(finished.status, 'done');
  assert.ok(served[0]! > 3 && served[1]! > 3, `both API processes served the session's calls: ${served.join(' / ')}`);
});

test('a custom tool call seen through one API process and answered through the other reaches the agent', async () => {
  const policy = (request: { lastToolResults: { content: string }[] }): ScriptedReply => {
    const toolResult = request.lastToolResults[0];
    if (!toolResult) return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    return { toolCalls: [{ name: 'done', arguments: { answer: `tool said: ${toolResult.content}` } }] };
  };
  model.setPolicy(policy);
  const weatherTool = { name: 'get_weather', description: 'Current weather for a city', inputs: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, output: 'Weather as JSON' };
  const created = await alternating.api('POST', '/task', { body: { task: 'What is the weather in Paris?', custom_tools: [weatherTool], enable_recording: false } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId = created.body.r.id as string;
  const { events, last } = await pollEvents(alternating, taskId, (collected) => collected.some((event) => event.name === 'tool_call'));
  const call = events.find((event) => event.name === 'tool_call');
  assert.ok(call, `no tool call: ${JSON.stringify(last.body.r)}`);
  assert.deepEqual(call.payload, { name: 'get_weather', input: { city: 'Paris' } });
  const answered = await alternating.api('POST', `/task/${taskId}/event`, { body: { id: call.id, name: 'tool_call', payload: { code: 200, output: { temperature: 21, conditions: 'sunny' } } } });
  assert.deepEqual([answered.status, answered.body], [200, { r: { id: call.id } }]);
  const finished = await pollEvents(alternating, taskId, () => false, { maxPolls: 200 });
  assert.equal(finished.status, 'done');
  assert.match(String(finished.last.body.r.output), /sunny/);
});
