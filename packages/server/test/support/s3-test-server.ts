import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A real S3-compatible server (s3rver, from npm) on 127.0.0.1 with one empty bucket. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** What a server is given as SMOOTH_BLOB_URL / --blob-url. */
  blobUrl: string;
  /** The environment that carries its credentials (s3rver accepts these fixed ones). */
  environment: NodeJS.ProcessEnv;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
  /** Lets the test process end while the server runs, and stops it (synchronously) when it does. */
  stopWithProcess(): void;
}

/**
 * s3rver runs in a plain Node child process: under the tests' TypeScript loader one of its
 * dependencies (koa's generator check) resolves to an ES module namespace and breaks. The child
 * prints the port it got.
 */
const serverScript = `
const S3rver = require(process.env.S3RVER_PATH);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.env.S3RVER_DIRECTORY, configureBuckets: [{ name: process.env.S3RVER_BUCKET }] });
server.run().then(({ port }) => console.log('port ' + port), (error) => { console.error(error); process.exit(1); });
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

export async function startS3TestServer(bucket = 'open-smooth-blobs'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-s3-'));
  const child = spawn(process.execPath, ['-e', serverScript], {
    env: { PATH: process.env.PATH ?? '', S3RVER_PATH: createRequire(import.meta.url).resolve('s3rver'), S3RVER_DIRECTORY: directory, S3RVER_BUCKET: bucket },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`s3rver exited with code ${String(code)} before it listened`);
  });
  const listening = (async () => {
    for await (const line of createInterface({ input: child.stdout })) {
      const port = /^port (\d+)$/.exec(line)?.[1];
      if (port) return Number(port);
    }
    throw new Error('s3rver closed its output before saying its port');
  })();
  const port = await Promise.race([listening, exited]);
  exited.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    bucket,
    blobUrl: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
    environment: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    credentials,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(directory, { recursive: true, force: true });
    },
    stopWithProcess: () => {
      child.unref();
      child.stdout.destroy();
      process.once('exit', () => {
        child.kill('SIGKILL');
        rmSync(directory, { recursive: true, force: true });
      });
    },
  };
}
