import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const workerIdFileName = 'worker-id';

/**
 * This process's name as a worker: it owns the tasks it runs by this name, and after a restart it
 * recognises (and fails) its own leftovers by it. Default: SMOOTH_WORKER_ID, else a name made
 * once and kept in the data directory (each worker machine has its own data directory).
 */
export async function resolveWorkerId(configured: string | undefined, environment: NodeJS.ProcessEnv, dataDirectory: string): Promise<string> {
  const given = configured ?? environment.SMOOTH_WORKER_ID;
  if (given !== undefined && given.trim() !== '') return given.trim();
  const path = join(dataDirectory, workerIdFileName);
  const stored = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (stored) return stored;
  const made = `${hostname()}-${randomBytes(6).toString('hex')}`;
  // 'wx': two processes starting on one data directory keep the first name written.
  await writeFile(path, `${made}\n`, { flag: 'wx' }).catch(() => undefined);
  return (await readFile(path, 'utf8')).trim() || made;
}
