import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmoothClient } from '@open-smooth/sdk';

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));

test('smooth serve prints its URL, a key and an example, saves them for the CLI, and stops cleanly on SIGTERM', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const environment: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_one,sk_serve_two' };
  delete environment.SMOOTH_API_KEY;
  delete environment.SMOOTH_BASE_URL;
  const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), '--json'], { env: environment });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stderr.resume();
  const started = await new Promise<{ url: string; api_base_url: string; api_key: string; saved_to_config: boolean }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      try {
        resolve(JSON.parse(stdout));
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stdout}`)));
  });
  assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(started.api_base_url, `${started.url}/api/`);
  assert.equal(started.api_key, 'sk_serve_one');
  assert.equal(started.saved_to_config, true);
  const config = JSON.parse(await readFile(join(directory, 'config', 'config.json'), 'utf8'));
  assert.deepEqual(config, { api_key: 'sk_serve_one', base_url: started.api_base_url });

  const client = new SmoothClient({ apiKey: started.api_key, baseUrl: started.api_base_url });
  assert.deepEqual(await client.createProfile('served'), { id: 'served' });

  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
  assert.equal(exitCode, 0);
});

test('smooth serve prints the example for people', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const environment = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_people' };
  const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data')], { env: environment });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stderr.resume();
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stdout}`)));
  });
  assert.match(stdout, /Open Smooth is running at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(stdout, /API key: sk_serve_people/);
  assert.match(stdout, /curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/task -H 'apikey: sk_serve_people'/);
  assert.match(stdout, /new SmoothClient\(\)\.run/);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
  assert.equal(exitCode, 0);
});

test('smooth serve refuses a bad --allow-private-network entry with a usage error, before starting anything', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  try {
    const environment = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_flag' };
    const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), '--allow-private-network', '127.0.0.0/8,10.0.0.0/33'], { env: environment });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /--allow-private-network: invalid private network allowance "10\.0\.0\.0\/33": the prefix length must be 0 to 32/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
