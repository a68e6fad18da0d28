import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This process's scratch folder, `<data dir>/work/<pid>-<random>` (one per process, so several
 * processes on one machine may share a data directory): local copies of blobs, spooled frames,
 * uploads on their way in. Folders left by processes of this machine that are gone (a crash, a
 * kill) are removed first; what they held that mattered is in the blob store.
 */
export async function createWorkDirectory(dataDirectory: string): Promise<string> {
  const root = join(dataDirectory, 'work');
  await mkdir(root, { recursive: true });
  for (const name of await readdir(root)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) await rm(join(root, name), { recursive: true, force: true });
  }
  return mkdtemp(join(root, `${process.pid}-`));
}
