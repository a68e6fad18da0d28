import { basename, join } from 'node:path';
import { BlobNotFoundError, type BlobStore } from '../blobs/blob-store.js';
import { unpackExtension } from '../extensions/unpack-extension.js';
import type { TaskSettings } from '../wire-format.js';

/** A file or extension the task was created with was deleted before it started. */
export class TaskInputMissingError extends Error {
  override readonly name = 'TaskInputMissingError';
}

/** What a task starts with, on this machine's disk. */
export interface TaskInputs {
  /** The uploaded files, by the names the agent knows them by. */
  files: Array<{ name: string; path: string }>;
  /** The unpacked extensions, for the browser recipe. */
  extensionDirectories: string[];
}

async function copyInput(blobs: BlobStore, key: string, path: string, what: string): Promise<void> {
  try {
    await blobs.copyToFile(key, path);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw new TaskInputMissingError(`${what} was deleted before the task started`);
    throw error;
  }
}

/**
 * Chromium and the agent need files on disk: the task's uploaded files and extensions are copied
 * from the blob store into its scratch folder (extensions unpacked).
 */
export async function materialiseTaskInputs(settings: Pick<TaskSettings, 'files' | 'extensions'>, blobs: BlobStore, workDirectory: string): Promise<TaskInputs> {
  const files = await Promise.all(
    settings.files.map(async (file, index) => {
      const path = join(workDirectory, 'files', String(index), file.name);
      await copyInput(blobs, file.blobKey, path, `the uploaded file ${file.name}`);
      return { name: file.name, path };
    }),
  );
  const extensionDirectories: string[] = [];
  for (const extension of settings.extensions) {
    const zipPath = join(workDirectory, 'extensions', extension.id, basename(extension.blobKey));
    await copyInput(blobs, extension.blobKey, zipPath, `extension ${extension.id}`);
    extensionDirectories.push((await unpackExtension(zipPath)).directory);
  }
  return { files, extensionDirectories };
}
