import { readdir, readFile } from 'node:fs/promises';

/** The command line of a process (Linux), as its arguments; empty once it has gone. */
async function argumentsOf(pid: number | string): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
}

/** A Chromium browser process launched through a pool's proxy, not one of its renderers or helpers. */
function isBrowserProcess(args: readonly string[]): boolean {
  return args.some((arg) => arg.startsWith('--proxy-server=')) && !args.some((arg) => arg.startsWith('--type='));
}

/** The running processes' ids (Linux). */
async function processIds(): Promise<number[]> {
  return (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/**
 * The pid of a pool's browser process (Linux): the Chromium launched with the pool's own proxy
 * (`BrowserPool.networkProxyUrl`), not one of its renderers or helpers. For tests that kill it.
 */
export async function browserProcessId(proxyUrl: string): Promise<number> {
  for (const pid of await processIds()) {
    const args = await argumentsOf(pid);
    if (args.includes(`--proxy-server=${proxyUrl}`) && isBrowserProcess(args)) return pid;
  }
  throw new Error(`no browser process launched with --proxy-server=${proxyUrl}`);
}

/** The ids of the processes whose parent is `parentPid` (Linux). */
export async function childProcessIds(parentPid: number): Promise<number[]> {
  const children: number[] = [];
  for (const pid of await processIds()) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // pid (name) state ppid …: the name may hold spaces and parentheses, so read after the last ')'.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parentPid) children.push(pid);
  }
  return children;
}

/** The browser processes a server process launched (Playwright starts Chromium as its direct child): for tests that kill them. */
export async function browserProcessIdsOf(serverPid: number): Promise<number[]> {
  const browsers: number[] = [];
  for (const pid of await childProcessIds(serverPid)) if (isBrowserProcess(await argumentsOf(pid))) browsers.push(pid);
  return browsers;
}
