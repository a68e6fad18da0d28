import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey, BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange } from './blob-store.js';

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/**
 * The embedded default: each blob is a file under `root` at its key's path. Writes go to a
 * temporary file beside the target and are renamed into place, so a reader never sees half a blob.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `filesystem ${root}`;
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async writeAtomically(key: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporaryPath = join(dirname(path), `.blob-${randomBytes(6).toString('hex')}.tmp`);
    try {
      await write(temporaryPath);
      await rename(temporaryPath, path);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
  }

  put(key: string, body: Buffer | Readable): Promise<void> {
    return this.writeAtomically(key, (temporaryPath) =>
      Buffer.isBuffer(body) ? writeFile(temporaryPath, body, { flag: 'wx' }) : pipeline(body, createWriteStream(temporaryPath, { flags: 'wx' })),
    );
  }

  async putFile(key: string, path: string, { move = false }: { move?: boolean } = {}): Promise<void> {
    if (move) {
      const target = this.pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      // The scratch folder is usually on the same disk: a rename costs nothing, whatever the size.
      try {
        await rename(path, target);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      }
    }
    await this.writeAtomically(key, (temporaryPath) => copyFile(path, temporaryPath));
    if (move) await rm(path, { force: true });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    // Opened here, so a missing blob is an error of this call rather than of the stream later.
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new BlobNotFoundError(key) : error;
    });
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async read(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key)).catch((error: unknown) => {
      throw isMissing(error) ? new BlobNotFoundError(key) : error;
    });
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    const found = await stat(this.pathOf(key)).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    return found?.isFile() ? { bytes: found.size } : undefined;
  }

  async copyToFile(key: string, path: string): Promise<void> {
    const source = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // A hard link costs nothing; across file systems (or where links are refused) it is a copy.
    await link(source, path).catch(async (error: unknown) => {
      if (isMissing(error)) throw new BlobNotFoundError(key);
      await copyFile(source, path).catch((copyError: unknown) => {
        throw isMissing(copyError) ? new BlobNotFoundError(key) : copyError;
      });
    });
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await this.removeEmptyParents(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertBlobKey(prefix, { prefix: true });
    const directory = join(this.root, ...prefix.split('/').slice(0, -1));
    const count = await countFiles(directory);
    await rm(directory, { recursive: true, force: true });
    await this.removeEmptyParents(dirname(directory));
    return count;
  }

  /** Folders a key made (`files/<id>/`) go with their last blob; the root and its top folders (`files/`) stay. */
  private async removeEmptyParents(directory: string): Promise<void> {
    let current = directory;
    for (;;) {
      const inside = relative(this.root, current);
      if (inside === '' || inside.startsWith('..') || !inside.includes(sep)) return;
      try {
        await rmdir(current);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return;
        throw error;
      }
      current = dirname(current);
    }
  }

  async checkReachable(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = join(this.root, `.blob-probe-${randomBytes(6).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  }

  async close(): Promise<void> {}
}

async function countFiles(directory: string): Promise<number> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if (isMissing(error)) return [];
    throw error;
  });
  return entries.filter((entry) => entry.isFile()).length;
}
