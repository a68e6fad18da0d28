import { readdir, readFile } from 'node:fs/promises';

/**
 * The pid of a pool's browser process (Linux): the Chromium launched with the pool's own proxy
 * (`BrowserPool.networkProxyUrl`), not one of its renderers or helpers. For tests that kill it.
 */
export async function browserProcessId(proxyUrl: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = commandLine.split('\0');
    if (args.includes(`--proxy-server=${proxyUrl}`) && !args.some((arg) => arg.startsWith('--type='))) return Number(entry);
  }
  throw new Error(`no browser process launched with --proxy-server=${proxyUrl}`);
}
