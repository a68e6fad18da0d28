import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startCannedApiServer } from '../../sdk/test/canned-api-server.js';

// The official CLI's start-session flags become the request fields the server decides on; what
// the server refuses (422) reaches the user as one line, never dropped on the way.

const run = promisify(execFile);
const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));

test('start-session sends the official flags as request fields, and shows a refusal as one line', async (t) => {
  const configDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-cli-flags-'));
  const task = { id: 'task_flags', status: 'running', live_url: 'http://127.0.0.1:1/live/task_flags', output: null, credits_used: 0, device: 'desktop', recording_url: null, downloads_url: null, created_at: 1 };
  let refuse = false;
  const server = await startCannedApiServer((request) => {
    if (request.method === 'POST' && request.path.endsWith('/task')) {
      return refuse ? { status: 422, body: { detail: 'proxy_server: this server cannot reach that proxy (example refusal)' } } : { status: 200, body: { r: task } };
    }
    return { status: 202, body: { r: task } };
  });
  t.after(async () => {
    await server.close();
    await rm(configDirectory, { recursive: true, force: true });
  });
  const environment = { ...process.env, SMOOTH_CONFIG_DIR: configDirectory, SMOOTH_BASE_URL: server.baseUrl, SMOOTH_API_KEY: 'sk_flags' };
  const flags = [
    'start-session', '--device', 'desktop', '--profile-id', 'shop', '--profile-read-only', '--allowed-urls', 'https://a.example/*,https://b.example/*',
    '--files', 'file_1', '--proxy-server', 'http://proxy.example:3128', '--proxy-username', 'ada', '--proxy-password', 'secret', '--no-captcha-solver', '--json',
  ];
  const started = await run(process.execPath, [binary, ...flags], { env: environment });
  assert.deepEqual(JSON.parse(started.stdout), { success: true, message: 'Session started', session_id: 'task_flags', live_url: 'http://127.0.0.1:1/live/task_flags?interactive=true&embed=false' });
  const sent = server.requests.find((request) => request.method === 'POST')?.body as Record<string, unknown>;
  assert.deepEqual(sent, {
    task: null,
    device: 'desktop',
    profile_id: 'shop',
    profile_read_only: true,
    allowed_urls: ['https://a.example/*', 'https://b.example/*'],
    files: ['file_1'],
    enable_recording: false,
    proxy_server: 'http://proxy.example:3128',
    proxy_username: 'ada',
    proxy_password: 'secret',
    use_captcha_solver: false,
  });

  // --no-proxy wins over --proxy-server, as in the official CLI.
  await run(process.execPath, [binary, 'start-session', '--proxy-server', 'http://proxy.example:3128', '--no-proxy', '--json'], { env: environment });
  const withoutProxy = server.requests.filter((request) => request.method === 'POST').at(-1)?.body as Record<string, unknown>;
  assert.equal(withoutProxy.proxy_server, undefined);

  refuse = true;
  const refused = await run(process.execPath, [binary, 'start-session', '--proxy-server', 'http://proxy.example:3128'], { env: environment }).catch((error) => error);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.trim(), 'Error: proxy_server: this server cannot reach that proxy (example refusal) (HTTP 422)');
});
