import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorMessage } from '@open-smooth/protocol';
import { assertBlobKey, BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key (`prefix/files/...`), so several deployments can share a bucket. */
  keyPrefix?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2 …); AWS itself when absent. */
  endpoint?: string;
  region: string;
  /** Bucket in the path rather than the host name; what most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Explicit credentials; absent = the SDK's default chain (AWS_* variables, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

type S3Module = typeof import('@aws-sdk/client-s3');

const statusOf = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
const isMissing = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
};

/** A store of blobs in an S3-compatible bucket. Made by `S3BlobStore.connect`, which loads the SDK only then. */
export class S3BlobStore implements BlobStore {
  readonly description: string;

  private constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {
    this.description = `s3://${options.bucket}${options.keyPrefix ? `/${options.keyPrefix}` : ''}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  }

  static async connect(options: S3BlobStoreOptions): Promise<S3BlobStore> {
    const s3 = await import('@aws-sdk/client-s3');
    const client = new s3.S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: many S3-compatible servers refuse the SDK's newer
      // default (trailing checksums in aws-chunked bodies), and TLS already guards the bytes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return new S3BlobStore(s3, client, options);
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.options.keyPrefix ? `${this.options.keyPrefix}/${key}` : key;
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    if (Buffer.isBuffer(body)) {
      await this.client.send(new this.s3.PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), Body: body, ContentLength: body.length }));
      return;
    }
    // PutObject needs the length up front: a stream of unknown length is spooled to a local file first.
    const spool = join(tmpdir(), `open-smooth-blob-${randomBytes(8).toString('hex')}`);
    try {
      await pipeline(body, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
      await this.putFile(key, spool);
    } finally {
      await rm(spool, { force: true });
    }
  }

  async putFile(key: string, path: string, { move = false }: { move?: boolean } = {}): Promise<void> {
    const { size } = await stat(path);
    await this.client.send(new this.s3.PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), Body: createReadStream(path), ContentLength: size }));
    if (move) await rm(path, { force: true });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const answer = await this.client.send(
        new this.s3.GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      if (!(answer.Body instanceof Readable)) throw new Error(`the S3 answer for ${key} has no readable body`);
      return answer.Body;
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async read(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    try {
      const head = await this.client.send(new this.s3.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return { bytes: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async copyToFile(key: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await pipeline(await this.get(key), createWriteStream(path, { mode: 0o600 }));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new this.s3.DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertBlobKey(prefix, { prefix: true });
    const objectPrefix = this.options.keyPrefix ? `${this.options.keyPrefix}/${prefix}` : prefix;
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new this.s3.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: objectPrefix, ...(continuationToken ? { ContinuationToken: continuationToken } : {}) }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) {
        const answer = await this.client.send(new this.s3.DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: keys, Quiet: true } }));
        const failed = answer.Errors ?? [];
        if (failed.length > 0) throw new Error(`could not delete ${failed.length} blobs under ${prefix}: ${failed[0]?.Key ?? ''} ${failed[0]?.Message ?? ''}`.trim());
        deleted += keys.length;
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return deleted;
  }

  async checkReachable(): Promise<void> {
    try {
      await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      const status = statusOf(error);
      throw new Error(`bucket ${this.options.bucket} ${status === 404 ? 'does not exist' : status === 403 ? 'refuses these credentials' : `is not reachable: ${errorMessage(error)}`}`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
