import assert from 'node:assert/strict';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { fixtureCredentials, startFixtureServer, type FixtureServer } from '@open-smooth/testkit';
import { blobKeys } from '../src/blobs/blob-keys.js';
import { tenantOfApiKey } from '../src/api-keys.js';
import { firstKey, loopbackNetworkAllowance, pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

let pool: BrowserPool;
let site: FixtureServer;
let server: TestServer;

before(async () => {
  // One browser for the file, shared across the restart below (a restart keeps the pool it was given).
  [pool, site] = await Promise.all([BrowserPool.launch({ warmDevices: ['mobile'], allowPrivateNetwork: loopbackNetworkAllowance }), startFixtureServer()]);
  server = await startTestServer({ browserPool: pool });
});

after(async () => {
  await server.close();
  await pool.close();
  await site.close();
});

async function startSession(body: Record<string, unknown>): Promise<string> {
  const created = await server.api('POST', '/task', { body: { task: null, ...body } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.r.id;
}

async function evaluate(taskId: string, js: string): Promise<unknown> {
  const answer = await sendCommand(server, taskId, 'browser_action', 'evaluate_js', { js }, `js-${Math.random()}`);
  assert.equal(answer.payload.code, 200, JSON.stringify(answer.payload));
  return answer.payload.output.output;
}

async function closeSession(taskId: string): Promise<void> {
  await sendCommand(server, taskId, 'session_action', 'close', {}, 'close');
  assert.equal((await pollEvents(server, taskId, () => false)).status, 'done');
}

/** What a page of the site keeps in the browser: a localStorage note and an IndexedDB record. */
const readKept = `(async () => {
  const note = localStorage.getItem('note');
  const record = await new Promise((resolve, reject) => {
    const opened = indexedDB.open('ledger', 1);
    opened.onupgradeneeded = () => opened.result.createObjectStore('drafts');
    opened.onerror = () => reject(opened.error);
    opened.onsuccess = () => {
      const read = opened.result.transaction('drafts').objectStore('drafts').get('draft');
      read.onsuccess = () => { resolve(read.result ?? null); opened.result.close(); };
      read.onerror = () => reject(read.error);
    };
  });
  return { note, record, user: document.getElementById('signed-in-user')?.textContent ?? null };
})()`;

const writeKept = (note: string, record: string) => `(async () => {
  localStorage.setItem('note', ${JSON.stringify(note)});
  await new Promise((resolve, reject) => {
    const opened = indexedDB.open('ledger', 1);
    opened.onupgradeneeded = () => opened.result.createObjectStore('drafts');
    opened.onerror = () => reject(opened.error);
    opened.onsuccess = () => {
      const transaction = opened.result.transaction('drafts', 'readwrite');
      transaction.objectStore('drafts').put(${JSON.stringify(record)}, 'draft');
      transaction.oncomplete = () => { opened.result.close(); resolve(true); };
      transaction.onerror = () => reject(transaction.error);
    };
  });
  return true;
})()`;

test('a profile carries a login, localStorage and IndexedDB across sessions, one writer at a time, through a restart', async () => {
  const unknown = await server.api('POST', '/task', { body: { task: null, profile_id: 'never-created' } });
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.detail, /profile not found: never-created; create it with POST \/profile/);
  assert.equal((await server.api('POST', '/profile', { body: { id: 'ledger-user' } })).status, 200);

  // Session 1 signs in on the site (a real form post; the site keeps the session server-side).
  const first = await startSession({ profile_id: 'ledger-user', url: site.url('/login'), device: 'mobile' });
  await evaluate(
    first,
    `document.getElementById('username').value = ${JSON.stringify(fixtureCredentials.username)};
     document.getElementById('password').value = ${JSON.stringify(fixtureCredentials.password)};
     document.querySelector('form[aria-label="Sign in"]').submit();`,
  );
  const login = site.records.logins.find((entry) => entry.ok);
  assert.ok(login?.sessionToken, 'the site issued a session');
  assert.equal(await evaluate(first, `document.getElementById('signed-in-user')?.textContent ?? null`), fixtureCredentials.username);
  await evaluate(first, writeKept('from session 1', 'draft 1'));
  await closeSession(first);
  // The saved cookies are a login: on disk they are sealed, never in clear.
  for (const entry of await readdir(server.dataDirectory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) assert.ok(!(await readFile(join(entry.parentPath, entry.name))).includes(login.sessionToken), `${entry.name} holds no session cookie in clear`);
  }
  const storedState = await server.blobs.read(blobKeys.profileState(tenantOfApiKey(firstKey), 'ledger-user'));
  assert.ok(storedState.length > 0 && !storedState.includes(login.sessionToken), 'the stored profile state holds no session cookie in clear');

  // Session 2, same profile: signed in with the session cookie of session 1's login.
  const viewsBefore = site.records.accountViews.length;
  const second = await startSession({ profile_id: 'ledger-user', url: site.url('/account') });
  assert.deepEqual(await evaluate(second, readKept), { note: 'from session 1', record: 'draft 1', user: fixtureCredentials.username });
  assert.deepEqual(site.records.accountViews.slice(viewsBefore), [{ username: fixtureCredentials.username, sessionToken: login.sessionToken }]);

  // While session 2 may write the profile, a second writer is refused; a reader is not.
  const secondWriter = await server.api('POST', '/task', { body: { task: null, profile_id: 'ledger-user' } });
  assert.equal(secondWriter.status, 409);
  assert.match(secondWriter.body.detail, new RegExp(`profile ledger-user is in use by ${second}.*profile_read_only: true`));
  const refusedDelete = await server.api('DELETE', '/profile/ledger-user');
  assert.equal(refusedDelete.status, 409);
  const reader = await startSession({ profile_id: 'ledger-user', profile_read_only: true, url: site.url('/account') });
  assert.equal((await evaluate(reader, readKept) as { user: string }).user, fixtureCredentials.username);
  await closeSession(reader);

  // A cancelled session saves too.
  await evaluate(second, writeKept('from session 2', 'draft 2'));
  assert.equal((await server.api('DELETE', `/task/${second}`, { headers: { 'content-type': 'application/json' } })).status, 200);
  assert.equal((await pollEvents(server, second, () => false)).status, 'cancelled');

  // Read-only: session 3's changes are not saved, so session 4 sees session 2's state.
  const third = await startSession({ profile_id: 'ledger-user', profile_read_only: true, url: site.url('/account') });
  assert.deepEqual(await evaluate(third, readKept), { note: 'from session 2', record: 'draft 2', user: fixtureCredentials.username });
  await evaluate(third, writeKept('from read-only session 3', 'draft 3'));
  await closeSession(third);

  await server.restart();

  const fourth = await startSession({ profile_id: 'ledger-user', url: site.url('/account') });
  assert.deepEqual(await evaluate(fourth, readKept), { note: 'from session 2', record: 'draft 2', user: fixtureCredentials.username });
  await closeSession(fourth);

  const stateKey = blobKeys.profileState(tenantOfApiKey(firstKey), 'ledger-user');
  assert.ok(await server.blobs.stat(stateKey), 'the profile state is stored');
  assert.equal((await server.api('DELETE', '/profile/ledger-user')).status, 200);
  const gone = await server.api('POST', '/task', { body: { task: null, profile_id: 'ledger-user' } });
  assert.equal(gone.status, 404);
  assert.equal(await server.blobs.stat(stateKey), undefined, "the profile's data is deleted");
  await assert.rejects(access(join(server.dataDirectory, 'profiles', tenantOfApiKey(firstKey), 'ledger-user')));
});

test('a forced close still saves the profile; a profile id that is not a file name is a 422', async () => {
  const invalid = await server.api('POST', '/task', { body: { task: null, profile_id: '../escape' } });
  assert.equal(invalid.status, 422);
  assert.equal((await server.api('POST', '/profile', { body: { id: 'failing-task' } })).status, 200);
  const session = await startSession({ profile_id: 'failing-task', url: site.url('/login') });
  await evaluate(session, `localStorage.setItem('note', 'before the failure'); true`);
  const closed = await server.api('POST', `/task/${session}/event`, { body: { id: 'forced', name: 'session_action', payload: { name: 'close', input: { force: true } } } });
  assert.equal(closed.status, 200);
  await pollEvents(server, session, () => false);
  const next = await startSession({ profile_id: 'failing-task', url: site.url('/login'), profile_read_only: true });
  assert.equal(await evaluate(next, `localStorage.getItem('note')`), 'before the failure');
  await closeSession(next);
});
