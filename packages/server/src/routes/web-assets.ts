import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The web front end (live view, dashboard): plain ES modules and HTML, served as they are. */
const webDirectory = fileURLToPath(new URL('../web/', import.meta.url));
const cache = new Map<string, Promise<Buffer>>();

/** A file of the front end, read once. `name` is one of the fixed names the routes use, never user input. */
export function webAsset(name: string): Promise<Buffer> {
  let asset = cache.get(name);
  if (!asset) {
    asset = readFile(`${webDirectory}${name}`);
    asset.catch(() => cache.delete(name));
    cache.set(name, asset);
  }
  return asset;
}

export const webAssetTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};
