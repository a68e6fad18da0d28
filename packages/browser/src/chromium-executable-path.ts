import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

import { ChromiumNotFoundError } from './errors.js';

const defaultPath = '/usr/bin/chromium';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** SMOOTH_CHROMIUM_PATH, else Debian's /usr/bin/chromium, else `chromium` on PATH. */
export function chromiumExecutablePath(): string {
  const fromEnvironment = process.env.SMOOTH_CHROMIUM_PATH;
  if (fromEnvironment) {
    if (!isExecutable(fromEnvironment)) {
      throw new ChromiumNotFoundError(`SMOOTH_CHROMIUM_PATH=${fromEnvironment} is not an executable file`);
    }
    return fromEnvironment;
  }
  if (isExecutable(defaultPath)) return defaultPath;
  const onPath = findOnPath('chromium') ?? findOnPath('chromium-browser');
  if (onPath) return onPath;
  throw new ChromiumNotFoundError(`${defaultPath} does not exist and no chromium is on PATH`);
}
