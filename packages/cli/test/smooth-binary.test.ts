import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shopProducts } from '@open-smooth/testkit';
import { done, isExtractRequest, pageText, startEndToEnd, testApiKey, type EndToEnd } from '../../sdk/test/end-to-end-harness.js';

// The real `smooth` binary, spawned as a user would, against the real server.

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));
let world: EndToEnd;
let configDirectory: string;

before(async () => {
  world = await startEndToEnd();
  configDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-cli-'));
});
after(async () => {
  await world.close();
  await rm(configDirectory, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs `smooth ...args`; asynchronous, because the server under test lives in this process. */
function smooth(args: string[], environment: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SMOOTH_CONFIG_DIR: configDirectory,
    SMOOTH_BASE_URL: world.server.apiBaseUrl,
    SMOOTH_API_KEY: testApiKey,
    ...environment,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [binary, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      // A result is JSON on stdout; an error, as the official CLI prints it, JSON on stderr.
      let json: unknown;
      for (const text of [stdout, stderr]) {
        try {
          json = JSON.parse(text);
          break;
        } catch {
          json = undefined;
        }
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

test('start-session -> run -> extract -> close-session, all with --json', async () => {
  world.model.setPolicy((request) => {
    const page = pageText(request);
    if (isExtractRequest(request)) {
      const shown = shopProducts.filter((product) => page.includes(product.name)).slice(0, 2);
      return { text: JSON.stringify({ products: shown.map((product) => product.name) }) };
    }
    const count = shopProducts.filter((product) => page.includes(product.name)).length;
    return done(request, `The page lists ${count} products`, { count });
  });

  const started = await smooth(['start-session', '--url', world.sites.url('/shop'), '--device', 'desktop', '--json']);
  assert.equal(started.code, 0, started.stdout + started.stderr);
  const sessionId: string = started.json.session_id;
  assert.match(sessionId, /\S/);
  assert.match(started.json.live_url, /^http:\/\/127\.0\.0\.1:\d+\//);

  const ran = await smooth(['run', sessionId, 'How many products does this page list?', '--json']);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.equal(ran.json.session_id, sessionId);
  assert.equal(ran.json.success, true);
  assert.equal(ran.json.result, 'The page lists 10 products');
  assert.equal(typeof ran.json.credits_used, 'number');

  const structured = await smooth(['run', sessionId, 'Count the products', '--response-model', '{"type":"object","properties":{"count":{"type":"integer"}}}', '--json']);
  assert.equal(structured.code, 0, structured.stdout + structured.stderr);
  assert.deepEqual(structured.json.result, { count: 10 });

  const schemaFile = join(configDirectory, 'products-schema.json');
  await writeFile(schemaFile, JSON.stringify({ type: 'object', properties: { products: { type: 'array', items: { type: 'string' } } } }));
  const extracted = await smooth(['extract', sessionId, '--schema', schemaFile, '--prompt', 'the first two product names', '--json']);
  assert.equal(extracted.code, 0, extracted.stdout + extracted.stderr);
  assert.deepEqual(extracted.json.data, { products: shopProducts.slice(0, 2).map((product) => product.name) });

  const evaluated = await smooth(['evaluate-js', sessionId, '(args) => args.a + args.b', '--args', '{"a": 2, "b": 3}', '--json']);
  assert.equal(evaluated.code, 0, evaluated.stdout + evaluated.stderr);
  assert.equal(evaluated.json.result, 5);

  const went = await smooth(['goto', sessionId, world.sites.url('/flights'), '--json']);
  assert.equal(went.code, 0, went.stdout + went.stderr);
  const title = await smooth(['evaluate-js', sessionId, 'document.title', '--json']);
  assert.match(title.json.result, /SkyHop/);

  const live = await smooth(['live-view', sessionId, '--json']);
  assert.equal(live.code, 0, live.stdout + live.stderr);
  assert.match(live.json.live_url, /interactive=true/);

  const closed = await smooth(['close-session', sessionId, '--json']);
  assert.equal(closed.code, 0, closed.stdout + closed.stderr);
  assert.deepEqual(closed.json, { success: true, message: 'Session closed', session_id: sessionId, force: false });

  const afterClose = await smooth(['run', sessionId, 'anything', '--json']);
  assert.notEqual(afterClose.code, 0, 'a closed session takes no more tasks');
  assert.deepEqual([afterClose.json.success, typeof afterClose.json.error], [false, 'string']);
});

test('profiles and files through the CLI, human and --json output', async () => {
  const created = await smooth(['create-profile', '--profile-id', 'shop-account', '--json']);
  assert.equal(created.code, 0, created.stdout + created.stderr);
  assert.deepEqual(created.json, { success: true, message: 'Profile created', profile_id: 'shop-account' });
  const listed = await smooth(['list-profiles', '--json']);
  assert.ok(listed.json.profiles.some((profile: { id: string }) => profile.id === 'shop-account'));
  assert.equal(listed.json.count, listed.json.profiles.length);
  const listedForPeople = await smooth(['list-profiles']);
  assert.match(listedForPeople.stdout, /- shop-account/);
  const deleted = await smooth(['delete-profile', 'shop-account', '--json']);
  assert.deepEqual(deleted.json, { success: true, message: 'Profile deleted', profile_id: 'shop-account' });
  const deletedAgain = await smooth(['delete-profile', 'shop-account', '--json']);
  assert.equal(deletedAgain.code, 1);
  assert.equal(deletedAgain.json.status, 404);

  const document = join(configDirectory, 'resume.txt');
  await writeFile(document, 'Ada Lovelace, analyst');
  const uploaded = await smooth(['upload-file', document, '--purpose', 'job application', '--json']);
  assert.equal(uploaded.code, 0, uploaded.stdout + uploaded.stderr);
  assert.equal(uploaded.json.name, 'resume.txt');
  const removed = await smooth(['delete-file', uploaded.json.file_id, '--json']);
  assert.deepEqual(removed.json, { success: true, message: 'File deleted', file_id: uploaded.json.file_id });
});

test('config stores the key and base URL; a flag overrides the environment', async () => {
  const withoutEnvironment = { SMOOTH_API_KEY: '', SMOOTH_BASE_URL: '' };
  const missing = await smooth(['list-profiles', '--json'], withoutEnvironment);
  assert.equal(missing.code, 2);
  assert.match(missing.json.error, /No API key/);

  const saved = await smooth(['config', '--api-key', testApiKey, '--base-url', world.server.apiBaseUrl, '--json'], withoutEnvironment);
  assert.equal(saved.code, 0, saved.stdout + saved.stderr);
  assert.equal(saved.json.base_url, world.server.apiBaseUrl);
  assert.equal(saved.json.config_file, join(configDirectory, 'config.json'));
  assert.equal(saved.json.config.base_url, world.server.apiBaseUrl);
  assert.notEqual(saved.json.api_key, testApiKey, 'the key is shown masked');
  const stored = JSON.parse(await readFile(join(configDirectory, 'config.json'), 'utf8'));
  assert.deepEqual(stored, { api_key: testApiKey, base_url: world.server.apiBaseUrl });

  const fromFile = await smooth(['list-profiles', '--json'], withoutEnvironment);
  assert.equal(fromFile.code, 0, fromFile.stdout + fromFile.stderr);

  const wrongKeyFlag = await smooth(['list-profiles', '--api-key', 'not-a-key', '--json']);
  assert.equal(wrongKeyFlag.code, 1);
  assert.equal(wrongKeyFlag.json.status, 401);
});

test('usage errors exit 2 with a JSON error; --help works', async () => {
  const missingTask = await smooth(['run', 'some-session', '--json']);
  assert.equal(missingTask.code, 2);
  assert.match(missingTask.json.error, /Missing <task>/);
  const badJson = await smooth(['extract', 'some-session', '--schema', '{not json', '--json']);
  assert.equal(badJson.code, 2);
  assert.match(badJson.json.error, /Invalid JSON for --schema/);
  const unknownFlag = await smooth(['list-profiles', '--colour', '--json']);
  assert.equal(unknownFlag.code, 2);
  const help = await smooth(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /start-session/);
  assert.match(help.stdout, /run-task/);
});

test('an unknown session id or a wrong key: one clear line on stderr, no stack trace, a non-zero exit code', async () => {
  const unknownSession = await smooth(['goto', 'task_00000000000000000000000000000000', world.sites.url('/flights')]);
  assert.equal(unknownSession.code, 1);
  assert.equal(unknownSession.stdout, '');
  assert.deepEqual(unknownSession.stderr.trim().split('\n').length, 1, unknownSession.stderr);
  assert.match(unknownSession.stderr, /^Error: task not found: task_0+ \(HTTP 404\)/);
  const closeUnknown = await smooth(['close-session', 'task_00000000000000000000000000000000']);
  assert.equal(closeUnknown.code, 1);
  assert.equal(closeUnknown.stderr.trim().split('\n').length, 1, closeUnknown.stderr);

  const wrongKey = await smooth(['start-session', '--api-key', 'sk_wrong']);
  assert.equal(wrongKey.code, 1);
  assert.equal(wrongKey.stderr.trim().split('\n').length, 1, wrongKey.stderr);
  assert.match(wrongKey.stderr, /^Error: invalid API key \(HTTP 401\)/);
  assert.doesNotMatch(wrongKey.stderr + unknownSession.stderr, /\bat .*\.(ts|js):\d+/);

  const wrongKeyJson = await smooth(['evaluate-js', 'task_00000000000000000000000000000000', '1', '--api-key', 'sk_wrong', '--json']);
  assert.equal(wrongKeyJson.code, 1);
  assert.deepEqual([wrongKeyJson.json.success, wrongKeyJson.json.status], [false, 401]);
});
