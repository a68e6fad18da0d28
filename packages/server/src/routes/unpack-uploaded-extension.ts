import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { InvalidExtensionError, unpackExtension } from '../extensions/unpack-extension.js';
import { BadRequestError } from '../http-errors.js';

/**
 * The extension upload's check: unpacks the saved zip next to it and validates its manifest, so a
 * task never learns at launch that its extension cannot load. A bad zip is a 400 saying why, and
 * its folder is removed.
 */
export async function unpackUploadedExtension(zipPath: string): Promise<void> {
  try {
    await unpackExtension(zipPath);
  } catch (error) {
    await rm(dirname(zipPath), { recursive: true, force: true });
    if (error instanceof InvalidExtensionError) throw new BadRequestError(`invalid extension: ${error.message}`);
    throw error;
  }
}
