import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** Reads a file given by its path (Node only: the browser build of the SDK has no file system). */
export async function readLocalFile(path: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; name: string }> {
  return { bytes: await readFile(path), name: basename(path) };
}
