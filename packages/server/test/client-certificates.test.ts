import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTestCertificates, makeUntrustedClientP12, removeTestCertificates, startMtlsSite, type MtlsSite, type TestCertificates } from './support/mtls-site.js';
import { startSpawnedServer, type SpawnedServer } from './support/spawned-server.js';

let certificates: TestCertificates;
let site: MtlsSite;
let server: SpawnedServer;
let dataDirectory: string;

before(async () => {
  certificates = await makeTestCertificates();
  site = await startMtlsSite(certificates);
  dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-certs-'));
  // The site's certificate comes from the test's own CA. With client certificates the server's
  // Node process checks it (Playwright's TLS proxy), so the operator trusts the CA the documented
  // way, NODE_EXTRA_CA_CERTS; without them Chromium checks it, so the test's Chromium trusts that
  // one key. Either way the check that fails below is the client certificate, not the server's.
  server = await startSpawnedServer({
    NODE_EXTRA_CA_CERTS: certificates.caPemPath,
    TEST_DATA_DIR: dataDirectory,
    TEST_ALLOW_PRIVATE_NETWORK: JSON.stringify(['127.0.0.0/8']),
    TEST_CHROMIUM_ARGS: JSON.stringify([`--ignore-certificate-errors-spki-list=${certificates.serverSpkiHash}`]),
  });
});

after(async () => {
  await server?.close();
  await site?.close();
  if (certificates) await removeTestCertificates(certificates);
  if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
});

/** Polls as a client does (from the last event seen), so a finished task's status shows once its events are fetched. */
async function waitForStatus(taskId: string, wanted: (status: string) => boolean): Promise<any> {
  let eventT = 0;
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const answer = await server.api('GET', `/task/${taskId}?event_t=${eventT}`);
    eventT = answer.body.r.events?.at(-1)?.timestamp ?? eventT;
    if (wanted(answer.body.r.status)) return answer.body.r;
  }
  throw new Error(`task ${taskId} never reached the wanted status`);
}

async function command(taskId: string, name: string, action: string, input: unknown): Promise<any> {
  const id = `cmd-${Math.random()}`;
  const sent = await server.api('POST', `/task/${taskId}/event`, { id, name, payload: { name: action, input } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const answer = await server.api('GET', `/task/${taskId}?event_t=0`);
    const event = (answer.body.r.events ?? []).find((candidate: any) => candidate.id === id);
    if (event) return event.payload;
  }
  throw new Error(`no answer to ${action}`);
}

const certificateField = () => ({ file: certificates.clientP12.toString('base64'), password: certificates.p12Password });

test('the mTLS site receives the uploaded certificate; its bytes and password are stored nowhere', async () => {
  const created = await server.api('POST', '/task', { task: null, url: `${site.origin}/members`, certificates: [certificateField()] });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.r.id;
  const greeting = await command(id, 'browser_action', 'evaluate_js', { js: "document.getElementById('who')?.textContent ?? document.body.innerText" });
  assert.deepEqual(greeting, { code: 200, output: { output: `Hello ${certificates.clientCommonName}`, credits_used: 0, duration: greeting.output.duration } });
  assert.ok(site.subjects.includes(certificates.clientCommonName), `the site saw the certificate (${site.subjects.join(', ')})`);
  await command(id, 'session_action', 'close', {});
  await waitForStatus(id, (status) => status === 'done');

  const p12Base64 = certificates.clientP12.toString('base64');
  for (const entry of await readdir(dataDirectory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    assert.ok(!bytes.includes(p12Base64.slice(0, 64)), `${entry.name} holds no certificate bytes`);
    assert.ok(!bytes.includes(certificates.p12Password), `${entry.name} holds no certificate password`);
  }
});

test('without a certificate the handshake fails and the task says why', async () => {
  const failuresBefore = site.handshakeFailures.length;
  const created = await server.api('POST', '/task', { task: null, url: `${site.origin}/members` });
  assert.equal(created.status, 200);
  const task = await waitForStatus(created.body.r.id, (status) => status === 'failed');
  // Whether Chromium reads the site's TLS alert before the connection closes depends on timing: it
  // either knows the site wanted a certificate, or only that the handshake was cut; both say what to send.
  assert.match(
    task.error,
    /^could not open https:\/\/127\.0\.0\.1:\d+\/members: (the site asks for a client certificate and the task has none|the site closed the connection during or right after the TLS handshake; if it asks for a client certificate, send certificates: \[\{file, password\}\] with the task)/,
  );
  assert.ok(site.handshakeFailures.length > failuresBefore, 'the site refused a handshake');
  assert.ok(!site.subjects.includes(''), 'no request got through without a certificate');
});

test('a certificate the site refuses fails the task saying the TLS connection failed', async () => {
  const stranger = await makeUntrustedClientP12(certificates);
  const created = await server.api('POST', '/task', {
    task: null,
    url: `${site.origin}/members?stranger=1`,
    certificates: [{ file: stranger.toString('base64'), password: certificates.p12Password }],
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const task = await waitForStatus(created.body.r.id, (status) => status === 'failed');
  assert.match(task.error, /^could not open https:\/\/127\.0\.0\.1:\d+\/members\?stranger=1: the TLS (connection to the site|handshake) failed.*client certificate/);
  assert.ok(!site.subjects.includes('Stranger'), 'the site accepted no request with that certificate');
});

test('a certificate that cannot be used is a 422 saying why', async () => {
  const wrongPassword = await server.api('POST', '/task', { task: null, url: `${site.origin}/`, certificates: [{ ...certificateField(), password: 'wrong' }] });
  assert.equal(wrongPassword.status, 422);
  assert.match(wrongPassword.body.detail, /certificates\[0\] cannot be opened/);
  const noSite = await server.api('POST', '/task', { task: null, certificates: [certificateField()] });
  assert.equal(noSite.status, 422);
  assert.match(noSite.body.detail, /certificates\[0\] needs a site/);
  const notTls = await server.api('POST', '/task', { task: null, url: 'http://127.0.0.1:9/', certificates: [certificateField()] });
  assert.equal(notTls.status, 422);
  assert.match(notTls.body.detail, /not https/);
  const explicitOrigin = await server.api('POST', '/task', { task: null, certificates: [{ ...certificateField(), origin: site.origin }] });
  assert.equal(explicitOrigin.status, 200);
  await server.api('DELETE', `/task/${explicitOrigin.body.r.id}`);
});
