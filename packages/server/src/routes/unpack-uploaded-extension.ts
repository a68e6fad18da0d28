import { InvalidExtensionError, unpackExtension } from '../extensions/unpack-extension.js';
import { BadRequestError } from '../http-errors.js';

/**
 * The extension upload's check: unpacks the saved zip next to it (in the upload's scratch folder,
 * which the route removes) and validates its manifest, so a task never learns at launch that its
 * extension cannot load. A bad zip is a 400 saying why. Workers unpack their own copy.
 */
export async function unpackUploadedExtension(zipPath: string): Promise<void> {
  try {
    await unpackExtension(zipPath);
  } catch (error) {
    if (error instanceof InvalidExtensionError) throw new BadRequestError(`invalid extension: ${error.message}`);
    throw error;
  }
}
