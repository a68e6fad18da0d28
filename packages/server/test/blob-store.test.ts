import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore } from '../src/blobs/blob-store.js';
import { FilesystemBlobStore } from '../src/blobs/filesystem-blob-store.js';
import { InvalidBlobUrlError, openBlobStore, parseBlobUrl } from '../src/blobs/open-blob-store.js';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { startS3TestServer, type S3TestServer } from './support/s3-test-server.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

let scratch: string;
let s3: S3TestServer;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'blob-contract-'));
  s3 = await startS3TestServer();
});
after(async () => {
  await s3.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The same cases against every implementation: what a caller may rely on whichever store runs. */
function contract(name: string, open: () => Promise<BlobStore>): void {
  describe(`${name} blob store`, () => {
    let store: BlobStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    test('a buffer put under a key reads back whole, with its size', async () => {
      await store.put('files/file_1/invoice 42 £.txt', Buffer.from('total £120'));
      assert.equal((await store.read('files/file_1/invoice 42 £.txt')).toString('utf8'), 'total £120');
      assert.deepEqual(await store.stat('files/file_1/invoice 42 £.txt'), { bytes: Buffer.byteLength('total £120') });
    });

    test('a stream of unknown length is stored, and a range of it reads back', async () => {
      await store.put('tasks/task_1/downloads/report.csv', Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n'), Buffer.from('3,4\n')]));
      assert.equal(await text(await store.get('tasks/task_1/downloads/report.csv')), 'a,b\n1,2\n3,4\n');
      assert.equal(await text(await store.get('tasks/task_1/downloads/report.csv', { start: 4, end: 6 })), '1,2');
    });

    test('a local file is stored, and a copy of a blob is put on local disk', async () => {
      const source = join(scratch, `${name}-source.bin`);
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, index) => index % 251));
      await writeFile(source, bytes);
      await store.putFile('extensions/ext_1/tool.zip', source);
      const copy = join(scratch, name, 'materialised', 'tool.zip');
      await store.copyToFile('extensions/ext_1/tool.zip', copy);
      assert.deepEqual(await readFile(copy), bytes);
      await store.putFile('extensions/ext_2/tool.zip', copy, { move: true });
      await assert.rejects(readFile(copy), { code: 'ENOENT' });
      assert.deepEqual(await store.read('extensions/ext_2/tool.zip'), bytes);
    });

    test('a second put replaces the blob', async () => {
      await store.put('profiles/tenant/p1/storage-state.sealed', Buffer.from('first state, longer'));
      await store.put('profiles/tenant/p1/storage-state.sealed', Buffer.from('second'));
      assert.equal((await store.read('profiles/tenant/p1/storage-state.sealed')).toString('utf8'), 'second');
      assert.deepEqual(await store.stat('profiles/tenant/p1/storage-state.sealed'), { bytes: 6 });
    });

    test('a missing blob: get, read and copy fail with BlobNotFoundError, stat is undefined, delete is no error', async () => {
      await assert.rejects(store.get('files/none/x.txt'), BlobNotFoundError);
      await assert.rejects(store.read('files/none/x.txt'), BlobNotFoundError);
      await assert.rejects(store.copyToFile('files/none/x.txt', join(scratch, name, 'none.txt')), BlobNotFoundError);
      assert.equal(await store.stat('files/none/x.txt'), undefined);
      await store.delete('files/none/x.txt');
    });

    test('delete removes one blob; deletePrefix removes exactly the keys under a folder', async () => {
      await store.put('tasks/task_9/steps/step-001.jpg', Buffer.from('1'));
      await store.put('tasks/task_9/steps/step-002.jpg', Buffer.from('2'));
      await store.put('tasks/task_9/recording/frames.bin', Buffer.from('3'));
      await store.put('tasks/task_99/steps/step-001.jpg', Buffer.from('other task'));
      await store.delete('tasks/task_9/steps/step-002.jpg');
      assert.equal(await store.stat('tasks/task_9/steps/step-002.jpg'), undefined);
      assert.equal(await store.deletePrefix('tasks/task_9/'), 2);
      assert.equal(await store.stat('tasks/task_9/steps/step-001.jpg'), undefined);
      assert.equal(await store.stat('tasks/task_9/recording/frames.bin'), undefined);
      assert.equal((await store.read('tasks/task_99/steps/step-001.jpg')).toString('utf8'), 'other task');
      assert.equal(await store.deletePrefix('tasks/task_9/'), 0);
    });

    test('keys that could leave the store or are ambiguous are refused', async () => {
      for (const key of ['../secret', '/etc/passwd', 'files//x', 'files/./x', 'files/a\\b', '']) {
        await assert.rejects(store.put(key, Buffer.from('x')), InvalidBlobKeyError, key);
      }
      await assert.rejects(store.deletePrefix('tasks/task_1'), InvalidBlobKeyError);
    });

    test('the store answers the readiness check', async () => {
      await store.checkReachable();
    });
  });
}

contract('filesystem', async () => new FilesystemBlobStore(join(scratch, 'filesystem-root')));
// Opened from the URL and environment a server is given, so the parsing and credentials are the real path.
contract('s3', () => openBlobStore(s3.blobUrl, join(scratch, 'unused'), s3.environment));

test('the filesystem store keeps no empty folder behind a deleted blob (the top folders stay)', async () => {
  const root = join(scratch, 'tidy-root');
  const store = new FilesystemBlobStore(root);
  await store.put('files/file_7/a.txt', Buffer.from('a'));
  await store.put('profiles/tenant/p1/storage-state.sealed', Buffer.from('p'));
  await store.delete('files/file_7/a.txt');
  await store.deletePrefix('profiles/tenant/p1/');
  assert.deepEqual(await readdir(join(root, 'files')), []);
  assert.deepEqual(await readdir(join(root, 'profiles')), []);
});

test('an S3 bucket that does not exist fails the readiness check, naming the bucket', async () => {
  const store = await S3BlobStore.connect({ bucket: 'no-such-bucket', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    await assert.rejects(store.checkReachable(), /bucket no-such-bucket does not exist/);
  } finally {
    await store.close();
  }
});

test('blob URLs: S3 parameters and defaults are read; anything unknown or unsafe is refused with a reason', () => {
  assert.deepEqual(parseBlobUrl('s3://my-bucket/deploy-a?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1', { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' }), {
    kind: 's3',
    bucket: 'my-bucket',
    keyPrefix: 'deploy-a',
    endpoint: 'http://127.0.0.1:9000',
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
  });
  assert.deepEqual(parseBlobUrl('s3://my-bucket', { AWS_REGION: 'us-west-2' }), { kind: 's3', bucket: 'my-bucket', region: 'us-west-2', forcePathStyle: false });
  assert.deepEqual(parseBlobUrl('file:///var/lib/smooth-blobs', {}), { kind: 'filesystem', root: '/var/lib/smooth-blobs' });
  assert.throws(() => parseBlobUrl('s3://my-bucket?endpiont=http://x', {}), (error: Error) => error instanceof InvalidBlobUrlError && /unknown blob URL parameter endpiont/.test(error.message));
  assert.throws(() => parseBlobUrl('s3://key:secret@my-bucket', {}), /no credentials in the blob URL/);
  assert.throws(() => parseBlobUrl('gs://my-bucket', {}), /scheme gs: is not supported/);
  assert.throws(() => parseBlobUrl('s3://my-bucket?force_path_style=yes', {}), /force_path_style is true or false/);
});
