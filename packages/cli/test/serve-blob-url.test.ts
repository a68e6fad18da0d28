import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startS3TestServer, type S3TestServer } from '../../server/test/support/s3-test-server.js';

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));

/** `smooth serve --blob-url` on the S3 test server's bucket, in a directory of its own; killed after the test. */
async function spawnServe(t: TestContext, s3: S3TestServer, apiKey: string): Promise<{ child: ChildProcessWithoutNullStreams; directory: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-serve-blobs-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const environment: NodeJS.ProcessEnv = { ...process.env, ...s3.environment, SMOOTH_CONFIG_DIR: join(directory, 'config'), SMOOTH_API_KEYS: apiKey };
  delete environment.SMOOTH_BLOB_URL;
  const child = spawn(process.execPath, [binary, 'serve', '--port', '0', '--data-dir', join(directory, 'data'), '--blob-url', s3.blobUrl, '--json'], { env: environment });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, directory };
}

test('smooth serve --blob-url keeps uploads in the S3 bucket (credentials from AWS_* variables) and says so in /readyz', async (t) => {
  const s3 = await startS3TestServer();
  t.after(() => s3.close());
  const { child, directory } = await spawnServe(t, s3, 'sk_serve_blobs');
  child.stderr.resume();
  let stdout = '';
  const started = await new Promise<{ url: string }>((resolve, reject) => {
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

  const form = new FormData();
  form.append('file', new Blob([Buffer.from('kept in the bucket')]), 'note.txt');
  const uploaded = await fetch(`${started.url}/api/v1/file`, { method: 'POST', headers: { apikey: 'sk_serve_blobs' }, body: form });
  assert.equal(uploaded.status, 200);
  const { r } = (await uploaded.json()) as { r: { id: string } };
  // Read straight from the S3 server: the object is there under the file's key.
  const object = await fetch(`${s3.endpoint}/${s3.bucket}/files/${r.id}/note.txt`);
  assert.equal(object.status, 200);
  assert.equal(await object.text(), 'kept in the bucket');
  assert.ok(!(await readdir(join(directory, 'data'))).includes('files'), 'nothing of it in the data directory');

  const ready = await fetch(`${started.url}/readyz`);
  assert.equal(ready.status, 200);
  const { r: readiness } = (await ready.json()) as { r: { checks: string[] } };
  assert.ok(readiness.checks.includes(`blob store (s3://${s3.bucket} at ${s3.endpoint})`), JSON.stringify(readiness));

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(child.exitCode)));
  assert.equal(code, 0);
});

test('smooth serve logs what goes wrong as JSON lines on stderr, without the credentials: a blob store that does not answer', async (t) => {
  const s3 = await startS3TestServer();
  // Its port is closed from here on: the store the server is pointed at does not answer.
  await s3.close();
  const { child } = await spawnServe(t, s3, 'sk_serve_logs');
  child.stdout.resume();
  let stderr = '';
  const logged = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'the blob store does not answer') resolve(entry);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stderr}`)));
  });
  assert.equal(logged.level, 'error');
  assert.equal(logged.component, 'server');
  assert.equal(logged.name, 'open-smooth');
  assert.match(String(logged.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(logged.blobStore, `s3://${s3.bucket} at ${s3.endpoint}`);
  assert.equal(typeof (logged.err as { message?: unknown })?.message, 'string');
  assert.ok(!stderr.includes(String(s3.environment.AWS_SECRET_ACCESS_KEY)), 'the secret access key is never logged');
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
});
