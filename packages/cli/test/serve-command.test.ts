import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SmoothClient } from '@open-smooth/sdk';
import { startFixtureServer, startPostgresServer } from '@open-smooth/testkit';

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

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

test('npm start with no model: a loud warning naming the variables, a first example that runs as printed, and `npx smooth` talks to this server', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  const sites = await startFixtureServer();
  t.after(async () => {
    await sites.close();
    await rm(directory, { recursive: true, force: true });
  });
  // As `npm start` runs it, on a machine with no model variables; an earlier server's config is stale.
  const environment: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_people', SMOOTH_ALLOW_PRIVATE_NETWORK: '127.0.0.1' };
  for (const name of Object.keys(environment)) {
    if (/^(OPENAI|ANTHROPIC|GOOGLE_GENERATIVE_AI)_|^SMOOTH_(LITE_)?MODEL|^SMOOTH_(API_KEY|BASE_URL)$|^CIRCLEMIND_API_KEY$/.test(name)) delete environment[name];
  }
  await mkdir(join(directory, 'config'), { recursive: true });
  await writeFile(join(directory, 'config', 'config.json'), JSON.stringify({ api_key: 'sk_old', base_url: 'http://127.0.0.1:9/api/' }));
  const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data')], { env: environment });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stdout} ${stderr}`)));
  });
  assert.match(stderr, /No model is configured: tasks .* will fail until you set one/);
  assert.match(stderr, /OPENAI_API_KEY, ANTHROPIC_API_KEY/);
  assert.match(stderr, /OPENAI_API_KEY=sk-\.\.\. npm start/);
  assert.match(stdout, /Open Smooth is running at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(stdout, /API key: sk_serve_people .*SMOOTH_API_KEY or CIRCLEMIND_API_KEY/);
  assert.match(stdout, /saved for the smooth CLI.*it pointed at http:\/\/127\.0\.0\.1:9\/api\//);
  assert.doesNotMatch(stdout, /"task": "Go to example.com/, 'no task example while no model can run it');

  // The curl lines, run as printed; only example.com (no internet here) becomes a local page.
  const pageUrl = sites.url('/flights');
  const curlLines = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('curl '));
  assert.equal(curlLines.length, 4);
  const curl = async (line: string, id = ''): Promise<any> => {
    const { stdout: answer } = await run('bash', ['-c', line.replaceAll('https://example.com', pageUrl).replaceAll('<id>', id)]);
    return JSON.parse(answer);
  };
  const created = await curl(curlLines[0]!);
  const id: string = created.r.id;
  assert.match(id, /^task_/);
  await curl(curlLines[1]!, id);
  const polled = await curl(curlLines[2]!, id);
  const answer = polled.r.events.find((event: any) => event.name === 'browser_action');
  assert.equal(answer.payload.code, 200, JSON.stringify(answer));
  assert.match(answer.payload.output.output, /SkyHop/);
  assert.deepEqual(await curl(curlLines[3]!, id), { r: true });

  // `npx smooth` with no flags: the config now names this server.
  const cliEnvironment = { ...environment };
  delete cliEnvironment.SMOOTH_API_KEYS;
  const { stdout: started } = await run(process.execPath, [binary, 'start-session', '--url', pageUrl, '--device', 'desktop', '--json'], { env: cliEnvironment });
  const sessionId: string = JSON.parse(started).session_id;
  const { stdout: title } = await run(process.execPath, [binary, 'evaluate-js', sessionId, 'document.title', '--json'], { env: cliEnvironment });
  assert.match(JSON.parse(title).result, /SkyHop/);
  await run(process.execPath, [binary, 'close-session', sessionId], { env: cliEnvironment });

  // The TypeScript snippet, saved as example.mts in the repository and run with tsx.
  const snippet = stdout
    .split('\n')
    .filter((line) => /^ {4}(import |const |console\.|await )/.test(line))
    .map((line) => line.trim().replaceAll('https://example.com', pageUrl))
    .join('\n');
  assert.match(snippet, /^import \{ SmoothClient \} from '@open-smooth\/sdk';/);
  const examplePath = join(repositoryRoot, `example-${process.pid}.mts`);
  await writeFile(examplePath, snippet);
  try {
    const { stdout: printed, stderr: complaints } = await run(join(repositoryRoot, 'node_modules', '.bin', 'tsx'), [examplePath], { cwd: repositoryRoot, env: cliEnvironment, timeout: 60_000 });
    assert.match(printed, /SkyHop/, `${snippet}\n${complaints}`);
  } finally {
    await rm(examplePath, { force: true });
  }

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

test('smooth serve --database-pool-size: out of range, or without a PostgreSQL URL, is a usage error before starting anything', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  try {
    const environment: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_flag' };
    delete environment.SMOOTH_DATABASE_URL;
    const cases: Array<[string[], RegExp]> = [
      [['--database-url', 'postgres://127.0.0.1:1/x', '--database-pool-size', '0'], /--database-pool-size must be a whole number of connections from 1 to 1000/],
      [['--database-pool-size', '4'], /--database-pool-size sizes the PostgreSQL connection pool: give --database-url \(or SMOOTH_DATABASE_URL\) too/],
    ];
    for (const [flags, message] of cases) {
      const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), ...flags], { env: environment });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('smooth serve --database-url stores in that PostgreSQL database; a URL of another kind is a usage error', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  const postgres = await startPostgresServer();
  t.after(async () => {
    await postgres.stop();
    await rm(directory, { recursive: true, force: true });
  });
  const environment: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_database' };
  delete environment.SMOOTH_DATABASE_URL;

  const refused = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), '--database-url', 'mysql://127.0.0.1/db'], { env: environment });
  let refusal = '';
  refused.stderr.on('data', (chunk: Buffer) => (refusal += chunk.toString()));
  assert.equal(await new Promise<number | null>((resolve) => refused.once('exit', resolve)), 2, refusal);
  assert.match(refusal, /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/);

  const databaseUrl = await postgres.createDatabase();
  const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), '--database-url', databaseUrl, '--json'], { env: environment });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stderr.resume();
  const started = await new Promise<{ api_base_url: string; api_key: string }>((resolve, reject) => {
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
  const client = new SmoothClient({ apiKey: started.api_key, baseUrl: started.api_base_url });
  assert.deepEqual(await client.createProfile('kept-in-postgres'), { id: 'kept-in-postgres' });
  assert.deepEqual(await postgres.query(databaseUrl, 'SELECT id FROM profiles'), [{ id: 'kept-in-postgres' }]);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
  assert.equal(exitCode, 0);
});

test('smooth serve --role: an unknown role is a usage error; api without the shared backends says what it needs', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const environment: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: 'sk_serve_role' };
  for (const name of ['SMOOTH_DATABASE_URL', 'SMOOTH_REDIS_URL', 'SMOOTH_BLOB_URL', 'SMOOTH_SECRET_KEY', 'SMOOTH_ROLE']) delete environment[name];
  const run = async (args: string[]): Promise<{ code: number | null; stderr: string }> => {
    const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), ...args], { env: environment });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { code: await new Promise<number | null>((resolve) => child.once('exit', resolve)), stderr };
  };
  const unknown = await run(['--role', 'scheduler']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /--role is one of all, api, worker, not scheduler/);
  const badRedis = await run(['--role', 'api', '--redis-url', 'http://127.0.0.1:6379']);
  assert.equal(badRedis.code, 2, badRedis.stderr);
  assert.match(badRedis.stderr, /--redis-url must be a redis:\/\/ or rediss:\/\/ URL/);
  const alone = await run(['--role', 'api']);
  assert.notEqual(alone.code, 0);
  assert.match(alone.stderr, /role api runs beside other processes and needs what they share: a PostgreSQL database/);
});
