import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { openBlobStore } from '../../src/blobs/open-blob-store.js';
import { startS3TestServer, type S3TestServer } from './s3-test-server.js';
import { testTopology } from './test-topology.js';

let shared: Promise<S3TestServer> | undefined;

/** The s3rver of this test process, started on first use and stopped when the process ends. */
export function suiteS3Server(): Promise<S3TestServer> {
  shared ??= startS3TestServer().then((server) => {
    server.stopWithProcess();
    return server;
  });
  return shared;
}

/** A store under a prefix of its own in the process's s3rver (the caller closes it). */
export async function s3BlobStore(): Promise<BlobStore> {
  const s3 = await suiteS3Server();
  const url = `s3://${s3.bucket}/server-${randomBytes(6).toString('hex')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  return openBlobStore(url, '/unused', s3.environment);
}

/**
 * With OPEN_SMOOTH_TEST_BLOB_STORE=s3, every test server keeps its files in S3 (one s3rver per
 * test process on 127.0.0.1, a key prefix per server), so any server test can run against the
 * distributed blob store: `OPEN_SMOOTH_TEST_BLOB_STORE=s3 bash scripts/test.sh <files>`.
 * The distributed topology always shares one. Undefined otherwise (the server's default filesystem store).
 */
export async function suiteBlobStore(): Promise<BlobStore | undefined> {
  const choice = testTopology === 'distributed' ? 's3' : process.env.OPEN_SMOOTH_TEST_BLOB_STORE?.trim();
  if (!choice || choice === 'filesystem') return undefined;
  if (choice !== 's3') throw new Error(`OPEN_SMOOTH_TEST_BLOB_STORE is s3 or filesystem, not ${choice}`);
  return s3BlobStore();
}
