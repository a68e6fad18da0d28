import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { startPageServer } from './support/page-server.js';
import { startScriptedModelServer, type ScriptedModelServer } from '@open-smooth/testkit';
import { tenantOfApiKey } from '../src/api-keys.js';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { startS3TestServer, type S3TestServer } from './support/s3-test-server.js';
import { firstKey, loopbackNetworkAllowance, pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';
import { skipWhenDistributed } from './support/test-topology.js';

let model: ScriptedModelServer;
let server: TestServer;
let pages: Awaited<ReturnType<typeof startPageServer>>;
before(async () => {
  pages = await startPageServer();
  // One step, with usage the test knows: 120,000 tokens in, 8,000 out at $2 / $8 per million = $0.304 = 30.4 credits.
  model = await startScriptedModelServer(() => ({ toolCalls: [{ name: 'done', arguments: { answer: 'done' } }], usage: { promptTokens: 120_000, completionTokens: 8_000 } }));
  // One slot, so a second task waits in its key's queue while a session holds the slot.
  server = await startTestServer({ modelEnvironment: model.environment(), maxConcurrentTasks: 1, maxConcurrentTasksPerKey: 1 });
});
after(async () => {
  await server?.close();
  await Promise.all([model?.close(), pages?.close()]);
});

async function get(path: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.server.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample in Prometheus text, e.g. sample(text, 'open_smooth_running_tasks'); 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

async function scrape(): Promise<string> {
  const answer = await get('/metrics');
  assert.equal(answer.status, 200);
  assert.match(answer.type ?? '', /^text\/plain/);
  return answer.text;
}

test('/healthz and /readyz answer without an API key; ready names what it checked', async () => {
  const health = await get('/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.text), { r: { status: 'alive' } });
  const ready = await get('/readyz');
  assert.equal(ready.status, 200, ready.text);
  const checks: string[] = JSON.parse(ready.text).r.checks;
  assert.equal(checks[0], 'database');
  assert.match(checks[1] ?? '', /^blob store \((filesystem |s3:\/\/)/);
  // An API process (behind the proxy in the distributed topology) opens no browser; it uses Redis.
  assert.equal(checks[2], server.distributed ? 'redis' : 'browser');
  const document = JSON.parse((await get('/api/docs/openapi.json')).text);
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    assert.deepEqual(document.paths[path].servers, [{ url: server.server.url }], `${path} is documented at the server's root`);
    assert.deepEqual(document.paths[path].get.security, [], `${path} needs no API key`);
  }
  assert.ok(document.paths['/readyz'].get.responses['503'], 'the 503 is documented');
});

test('/readyz is a 503 whose detail names each thing not ready: a missing bucket and a browser that is gone', { skip: skipWhenDistributed("the API processes behind the proxy open no browser, so their /readyz never names one (a worker's does)") }, async (t) => {
  const s3: S3TestServer = await startS3TestServer();
  t.after(() => s3.close());
  const blobStore = await S3BlobStore.connect({ bucket: 'missing-bucket', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  t.after(() => blobStore.close());
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance });
  await pool.close();
  const broken = await startTestServer({ blobStore, browserPool: pool });
  t.after(() => broken.close());
  const response = await fetch(`${broken.server.url}/readyz`);
  assert.equal(response.status, 503);
  const { detail } = (await response.json()) as { detail: string };
  assert.match(detail, /^not ready: /);
  assert.match(detail, /blob store \(s3:\/\/missing-bucket at http:\/\/127\.0\.0\.1:\d+\): bucket missing-bucket does not exist/);
  assert.match(detail, /browser: Chromium is not connected/);
  assert.doesNotMatch(detail, /database/, 'the database is fine');
  assert.equal((await fetch(`${broken.server.url}/healthz`)).status, 200, 'alive all the same');
});

test('/metrics moves with the work: queue depth per key (never the key), running tasks, contexts, duration, tokens, credits, memory', { skip: skipWhenDistributed('metrics are per process (Prometheus scrapes each); through the round-robin proxy each scrape reads another API process, and the running tasks are counted by the workers') }, async () => {
  const before = await scrape();
  assert.ok(sample(before, 'process_resident_memory_bytes') > 0, 'process memory is reported');
  const keyLabel = tenantOfApiKey(firstKey).slice(0, 12);

  // A session takes the only slot; a task of the same key then waits in its queue.
  const session = await server.api('POST', '/task', { body: { task: null, url: `${pages.url}/`, device: 'desktop' } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  await sendCommand(server, session.body.r.id, 'browser_action', 'evaluate_js', { js: '1 + 1' }, 'opened');
  const task = await server.api('POST', '/task', { body: { task: 'Say done', url: `${pages.url}/`, max_steps: 3 } });
  assert.equal(task.status, 200, JSON.stringify(task.body));
  assert.equal(task.body.r.status, 'waiting');

  const busy = await scrape();
  assert.equal(sample(busy, 'open_smooth_queued_tasks', { key: keyLabel }), 1, busy);
  assert.equal(sample(busy, 'open_smooth_running_tasks'), 1);
  assert.equal(sample(busy, 'open_smooth_task_browser_contexts'), 1);
  assert.ok(sample(busy, 'open_smooth_browser_contexts') >= 1, 'the shared browser has the session’s context open');
  assert.ok(!busy.includes(firstKey), 'the API key never appears in a scrape');

  await sendCommand(server, session.body.r.id, 'session_action', 'close', {}, 'close');
  assert.equal((await pollEvents(server, task.body.r.id, () => false, { maxPolls: 100 })).status, 'done');

  const after = await scrape();
  assert.equal(sample(after, 'open_smooth_queued_tasks', { key: keyLabel }), 0);
  assert.equal(sample(after, 'open_smooth_task_duration_seconds_count', { kind: 'task', status: 'done' }) - sample(before, 'open_smooth_task_duration_seconds_count', { kind: 'task', status: 'done' }), 1);
  assert.equal(sample(after, 'open_smooth_task_duration_seconds_count', { kind: 'session', status: 'done' }) - sample(before, 'open_smooth_task_duration_seconds_count', { kind: 'session', status: 'done' }), 1);
  assert.ok(sample(after, 'open_smooth_task_duration_seconds_sum', { kind: 'task', status: 'done' }) > 0);
  assert.equal(sample(after, 'open_smooth_model_tokens_total', { direction: 'input' }) - sample(before, 'open_smooth_model_tokens_total', { direction: 'input' }), 120_000);
  assert.equal(sample(after, 'open_smooth_model_tokens_total', { direction: 'output' }) - sample(before, 'open_smooth_model_tokens_total', { direction: 'output' }), 8_000);
  const credits = sample(after, 'open_smooth_credits_used_total') - sample(before, 'open_smooth_credits_used_total');
  assert.ok(Math.abs(credits - 30.4) < 1e-6, `credits used: ${credits}`);
  assert.equal(sample(after, 'open_smooth_task_browser_contexts'), 0);
});
