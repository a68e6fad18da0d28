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

/** Where a test server keeps its files in the suite's s3rver: the blob URL, the variables it needs, and a store on it for the test's own checks (the caller closes it). */
export interface SuiteBlobs {
  url: string;
  environment: Record<string, string>;
  store: BlobStore;
}

/** A prefix of its own in the process's s3rver. */
export async function s3Blobs(): Promise<SuiteBlobs> {
  const s3 = await suiteS3Server();
  const url = `s3://${s3.bucket}/server-${randomBytes(6).toString('hex')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  const environment = s3.environment as Record<string, string>;
  return { url, environment, store: await openBlobStore(url, '/unused', environment) };
}

/**
 * With OPEN_SMOOTH_TEST_BLOB_STORE=s3, every test server keeps its files in S3 (one s3rver per
 * test process on 127.0.0.1, a key prefix per server), so any server test can run against the
 * distributed blob store: `OPEN_SMOOTH_TEST_BLOB_STORE=s3 bash scripts/test.sh <files>`.
 * The distributed topology always shares one. Undefined otherwise (the server's default filesystem store).
 */
export async function suiteBlobs(): Promise<SuiteBlobs | undefined> {
  const choice = testTopology === 'distributed' ? 's3' : process.env.OPEN_SMOOTH_TEST_BLOB_STORE?.trim();
  if (!choice || choice === 'filesystem') return undefined;
  if (choice !== 's3') throw new Error(`OPEN_SMOOTH_TEST_BLOB_STORE is s3 or filesystem, not ${choice}`);
  return s3Blobs();
}
