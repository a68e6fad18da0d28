import type { Readable } from 'node:stream';

/** Bytes `start` to `end`, both included (an HTTP Range's meaning). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStat {
  bytes: number;
}

/**
 * Where the server keeps files (uploads, extensions, profiles, downloads, step screenshots,
 * recordings), by key: `files/<id>/<name>`, `tasks/<id>/downloads/...` (see blob-keys.ts). Rows
 * store keys, never local paths, so any process that reaches the store can serve a file, and the
 * embedded filesystem store and an S3 bucket behave alike.
 */
export interface BlobStore {
  /** Says where blobs go (for logs and readiness answers); never carries a credential. */
  readonly description: string;
  /** Stores `body` under `key`, replacing what was there; a reader sees the old blob or the new one, never half. */
  put(key: string, body: Buffer | Readable): Promise<void>;
  /** Stores the local file at `path` under `key`; with `move`, the local file is gone afterwards (a rename where it can be). */
  putFile(key: string, path: string, options?: { move?: boolean }): Promise<void>;
  /** The blob's bytes (or a range of them) as a stream; BlobNotFoundError when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The whole blob in memory (small blobs only: screenshots, profile states, manifests). */
  read(key: string): Promise<Buffer>;
  /** Its size, or undefined when there is no such blob. */
  stat(key: string): Promise<BlobStat | undefined>;
  /** Puts a copy of the blob at the local `path` (for Chromium, ffmpeg and unzip, which need a file). */
  copyToFile(key: string, path: string): Promise<void>;
  /** Removes one blob; removing one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Removes every blob whose key starts with `prefix` (which ends with '/'); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Resolves when the store answers (the readiness check); rejects saying what is wrong. */
  checkReachable(): Promise<void>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`no blob stored under ${key}`);
  }
}

export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
}

/**
 * A key is '/'-separated segments, none empty, '.' or '..', without backslashes or control
 * characters: it maps onto a folder tree and an S3 key alike and can never leave its root.
 */
export function assertBlobKey(key: string, { prefix = false }: { prefix?: boolean } = {}): void {
  const segments = key.split('/');
  if (prefix) {
    if (segments.pop() !== '') throw new InvalidBlobKeyError(`a blob key prefix ends with '/': ${JSON.stringify(key)}`);
  }
  if (key.length === 0 || key.length > 1024) throw new InvalidBlobKeyError(`a blob key is 1 to 1024 characters: ${JSON.stringify(key)}`);
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || /[\u0000-\u001f\u007f]/.test(segment)) {
      throw new InvalidBlobKeyError(`invalid blob key ${JSON.stringify(key)}: segments are non-empty names without '\\' or control characters, never '.' or '..'`);
    }
  }
}
