import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';

import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { errorMessage } from '@open-smooth/protocol';

/** An uploaded extension that cannot be loaded; the message says what is wrong and how to fix it. */
export class InvalidExtensionError extends Error {
  override readonly name = 'InvalidExtensionError';
}

/** What the manifest says, as checked at upload. */
export interface ExtensionManifest {
  name: string;
  version: string;
  manifestVersion: 2 | 3;
}

/** Zip bombs and junk are refused before they fill the disk. */
export const extensionUnpackLimits = { entries: 5_000, totalBytes: 100 * 1024 * 1024 };

/** The unpacked extension beside its uploaded zip (`<id>/<name>.zip` → `<id>/unpacked`). */
export function unpackedExtensionDirectory(zipPath: string): string {
  return join(dirname(zipPath), 'unpacked');
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) => {
      if (error) reject(new InvalidExtensionError(`the upload is not a readable zip file (${error.message})`));
      else resolve(zip);
    });
  });
}

/** A zip entry's path made safe to join under the destination, or an error for one that would escape it. */
function safeEntryPath(fileName: string): string {
  const normalized = posix.normalize(fileName);
  if (fileName.startsWith('/') || /^[a-zA-Z]:/.test(fileName) || normalized === '..' || normalized.startsWith('../')) {
    throw new InvalidExtensionError(`the zip holds a path outside the extension ("${fileName}"); zip the extension's folder contents`);
  }
  return normalized;
}

async function extractEntry(zip: ZipFile, entry: Entry, destination: string): Promise<void> {
  const target = join(destination, safeEntryPath(entry.fileName));
  if (entry.fileName.endsWith('/')) return void (await mkdir(target, { recursive: true }));
  await mkdir(dirname(target), { recursive: true });
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    zip.openReadStream(entry, (error, readStream) => (error ? reject(new InvalidExtensionError(`cannot read ${entry.fileName} from the zip (${error.message})`)) : resolve(readStream)));
  });
  await pipeline(stream, createWriteStream(target));
}

/** Extracts every entry in turn, within the limits. */
async function extractAll(zip: ZipFile, destination: string): Promise<void> {
  let entries = 0;
  let totalBytes = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      zip.close();
      reject(error instanceof InvalidExtensionError ? error : new InvalidExtensionError(`the zip cannot be unpacked (${errorMessage(error)})`));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: Entry) => {
      entries += 1;
      totalBytes += entry.uncompressedSize;
      if (entries > extensionUnpackLimits.entries) return fail(new InvalidExtensionError(`the zip holds more than ${extensionUnpackLimits.entries} files`));
      if (totalBytes > extensionUnpackLimits.totalBytes) {
        return fail(new InvalidExtensionError(`the zip unpacks to more than ${extensionUnpackLimits.totalBytes / 1024 / 1024} MiB`));
      }
      extractEntry(zip, entry, destination).then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

/** The folder holding manifest.json: the zip's root, or its one top-level folder (a zipped folder). */
async function manifestFolder(destination: string): Promise<string> {
  const atRoot = join(destination, 'manifest.json');
  if (await readFile(atRoot).then(() => true, () => false)) return destination;
  const children = (await readdir(destination, { withFileTypes: true })).filter((child) => child.name !== '__MACOSX');
  const only = children.length === 1 ? children[0] : undefined;
  if (only?.isDirectory() && (await readFile(join(destination, only.name, 'manifest.json')).then(() => true, () => false))) return join(destination, only.name);
  throw new InvalidExtensionError('the zip has no manifest.json at its root (or in its one top-level folder); zip the extension folder that holds manifest.json');
}

function checkManifest(text: string): ExtensionManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InvalidExtensionError(`manifest.json is not valid JSON (${errorMessage(error)})`);
  }
  const fields = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as Record<string, unknown>;
  const manifestVersion = fields.manifest_version;
  if (manifestVersion !== 2 && manifestVersion !== 3) {
    throw new InvalidExtensionError(`manifest.json must say "manifest_version": 3 (or 2); it says ${JSON.stringify(manifestVersion ?? null)}`);
  }
  if (typeof fields.name !== 'string' || fields.name.trim() === '') throw new InvalidExtensionError('manifest.json needs a "name"');
  if (typeof fields.version !== 'string' || !/^\d+(\.\d+){0,3}$/.test(fields.version)) {
    throw new InvalidExtensionError('manifest.json needs a "version" of one to four dot-separated numbers, such as "1.0.0"');
  }
  return { name: fields.name, version: fields.version, manifestVersion };
}

/**
 * Unpacks an uploaded extension zip into `unpackedExtensionDirectory(zipPath)` (the folder that holds
 * manifest.json, which Chromium loads with `--load-extension`) and checks it can be loaded: a
 * manifest.json (MV3 or MV2) with a name and a version. On any problem nothing is left behind and
 * an InvalidExtensionError says what is wrong.
 */
export async function unpackExtension(zipPath: string): Promise<{ manifest: ExtensionManifest; directory: string }> {
  const destination = unpackedExtensionDirectory(zipPath);
  const staging = `${destination}.partial`;
  await Promise.all([rm(destination, { recursive: true, force: true }), rm(staging, { recursive: true, force: true })]);
  await mkdir(staging, { recursive: true });
  try {
    await extractAll(await openZip(zipPath), staging);
    const folder = await manifestFolder(staging);
    const manifest = checkManifest(await readFile(join(folder, 'manifest.json'), 'utf8'));
    // The folder with the manifest becomes the extension's directory, whatever it was called in the zip.
    await rename(folder, destination);
    return { manifest, directory: destination };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
