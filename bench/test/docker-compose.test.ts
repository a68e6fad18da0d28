import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

import { startPostgresServer } from '../../packages/testkit/src/postgres-server.js';
import { startRedisServer } from '../../packages/testkit/src/redis-server.js';
import { startS3TestServer } from '../../packages/server/test/support/s3-test-server.js';

/**
 * docker-compose.yml cannot be started here (no Docker), so this runs what it would run: the api
 * service's command and the worker service's entrypoint, with the environment the file gives them,
 * against PostgreSQL, Redis and an S3 server on loopback in place of the compose services. It
 * proves the flags and variables are ones the CLI accepts, that the two roles find each other
 * through them (a session created through the api process runs on the worker), and that the
 * services' health check passes.
 */

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliBinary = join(repository, 'packages', 'cli', 'bin', 'smooth.js');

interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}, and $$ for a literal $. */
function interpolate(text: string, variables: Record<string, string>): string {
  return text
    .replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind: string | undefined, fallback: string | undefined) => {
      const value = variables[name];
      if (value !== undefined && value !== '') return value;
      if (kind === '?') throw new Error(`compose would refuse: ${fallback}`);
      return fallback ?? '';
    })
    .replaceAll('$$', '$');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<{ checks: string[] }> {
  const deadline = Date.now() + 150_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before it was ready: ${output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      const body = (await response.json()) as { r?: { checks: string[] }; detail?: string };
      if (response.status === 200 && body.r) return body.r;
      last = body.detail ?? String(response.status);
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} not ready within 150 s (${last}): ${output()}`);
}

function started(command: string, args: string[], environment: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

async function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const killLater = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exit;
  clearTimeout(killLater);
  return code;
}

test("docker-compose.yml: the api command and the worker entrypoint, with the file's environment, make a working deployment", { timeout: 300_000 }, async (t) => {
  const compose = yaml.load(readFileSync(join(repository, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  const api = compose.services.api;
  const worker = compose.services.worker;
  assert.ok(api?.command && api.environment && api.healthcheck, 'an api service with a command, an environment and a health check');
  assert.ok(worker?.entrypoint && worker.environment, 'a worker service with an entrypoint and an environment');
  for (const name of ['postgres', 'redis', 'minio', 'lb']) assert.ok(compose.services[name], `a ${name} service`);

  const [postgres, redis, s3] = await Promise.all([startPostgresServer(), startRedisServer(), startS3TestServer('open-smooth')]);
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-compose-'));
  t.after(async () => {
    await Promise.all([postgres.stop(), redis.stop(), s3.close()]);
    await rm(directory, { recursive: true, force: true });
  });
  await postgres.createDatabase('smooth');

  // What .env would hold, then the compose service names swapped for the loopback servers.
  const dotEnv = { SMOOTH_SECRET_KEY: randomBytes(32).toString('base64'), SMOOTH_API_KEYS: 'sk_compose_test' };
  const onThisMachine = (value: string): string =>
    value
      .replace('@postgres:5432/', `@127.0.0.1:${postgres.port}/`)
      .replace('redis://redis:6379', redis.url)
      .replace('http://minio:9000', s3.endpoint);
  const environmentOf = (service: ComposeService, name: string): NodeJS.ProcessEnv => {
    const environment: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SMOOTH_DATA_DIR: join(directory, name), SMOOTH_CONFIG_DIR: join(directory, `${name}-config`) };
    for (const [key, value] of Object.entries(service.environment ?? {})) environment[key] = onThisMachine(interpolate(String(value), dotEnv));
    // MinIO's credentials are the compose file's; s3rver accepts only its own.
    return { ...environment, ...s3.environment };
  };
  const apiEnvironment = environmentOf(api, 'api');
  for (const name of ['SMOOTH_DATABASE_URL', 'SMOOTH_REDIS_URL', 'SMOOTH_BLOB_URL', 'SMOOTH_SECRET_KEY', 'SMOOTH_API_KEYS']) {
    assert.ok(apiEnvironment[name], `the api service sets ${name}`);
    assert.equal(environmentOf(worker, 'worker')[name], apiEnvironment[name], `the worker's ${name} is the api's`);
  }

  // Each listens on a free loopback port instead of 7777 on every interface of a container.
  const apiPort = await freePort();
  const workerPort = await freePort();
  const onPort = (text: string, port: number): string => text.replaceAll('7777', String(port)).replace('0.0.0.0', '127.0.0.1');
  const apiArguments = api.command.map((argument) => onPort(argument, apiPort));
  const apiProcess = started(process.execPath, [cliBinary, ...apiArguments], apiEnvironment);
  const [shell, shellFlag, script] = worker.entrypoint.slice(worker.entrypoint.indexOf('--') + 1);
  assert.equal(shell, '/bin/sh');
  assert.match(script!, /--role worker/);
  const workerScript = onPort(interpolate(script!, {}), workerPort).replace('node /app/packages/cli/bin/smooth.js', `${process.execPath} ${cliBinary}`);
  const workerProcess = started(shell, [shellFlag!, workerScript], environmentOf(worker, 'worker'));
  t.after(async () => {
    await Promise.all([stopped(apiProcess.child), stopped(workerProcess.child)]);
  });

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiReady = await waitUntilReady(apiUrl, apiProcess.child, apiProcess.output);
  assert.ok(apiReady.checks.includes('redis'), `an api process checks Redis: ${apiReady.checks.join(', ')}`);
  assert.ok(!apiReady.checks.includes('browser'), 'an api process has no browser');
  const workerReady = await waitUntilReady(`http://127.0.0.1:${workerPort}`, workerProcess.child, workerProcess.output);
  assert.ok(workerReady.checks.includes('browser'), `a worker checks its browser: ${workerReady.checks.join(', ')}`);

  // The services' health check, as Docker would run it inside each container.
  const [healthProgram, ...healthArguments] = api.healthcheck.test.slice(1).map((argument) => onPort(argument, apiPort));
  assert.equal(healthProgram, 'node');
  assert.equal(spawnSync(process.execPath, healthArguments, { timeout: 30_000 }).status, 0, 'the health check passes on a ready api process');

  // A session created through the api process runs on the worker: a command comes back answered.
  const headers = { apikey: dotEnv.SMOOTH_API_KEYS, 'content-type': 'application/json' };
  const created = await fetch(`${apiUrl}/api/v1/task`, { method: 'POST', headers, body: JSON.stringify({ task: null, device: 'desktop' }) });
  assert.equal(created.status, 200, await created.clone().text());
  const { r: session } = (await created.json()) as { r: { id: string; live_url: string } };
  // The URLs handed out name the load balancer (SMOOTH_PUBLIC_URL), not the api process's own address.
  assert.ok(session.live_url.startsWith(`${apiEnvironment.SMOOTH_PUBLIC_URL}/live/${session.id}/`), session.live_url);
  const commandId = 'compose-test-command';
  const posted = await fetch(`${apiUrl}/api/v1/task/${session.id}/event`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ id: commandId, name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '6 * 7' } } }),
  });
  assert.equal(posted.status, 200, await posted.clone().text());
  let answer: { code?: number; output?: unknown } | undefined;
  let eventTime = 0;
  const deadline = Date.now() + 120_000;
  while (!answer && Date.now() < deadline) {
    const polled = await fetch(`${apiUrl}/api/v1/task/${session.id}?event_t=${eventTime}`, { headers });
    const body = (await polled.json()) as { r: { status: string; error?: string | null; events?: Array<{ id: string; timestamp: number; payload: { code?: number; output?: unknown } }> } };
    for (const event of body.r.events ?? []) {
      eventTime = Math.max(eventTime, event.timestamp);
      if (event.id === commandId && event.payload.code !== undefined) answer = event.payload;
    }
    assert.ok(!['done', 'failed', 'cancelled'].includes(body.r.status) || answer, `the session ended before answering: ${body.r.status} ${body.r.error ?? ''}`);
  }
  assert.deepEqual(answer && { code: answer.code, output: (answer.output as { output?: unknown }).output }, { code: 200, output: 42 });
  const closed = await fetch(`${apiUrl}/api/v1/task/${session.id}`, { method: 'DELETE', headers: { apikey: dotEnv.SMOOTH_API_KEYS } });
  assert.ok(closed.status < 300, await closed.text());

  assert.equal(await stopped(workerProcess.child), 0, `the worker stops cleanly on SIGTERM: ${workerProcess.output()}`);
  assert.equal(await stopped(apiProcess.child), 0, `the api process stops cleanly on SIGTERM: ${apiProcess.output()}`);
});
