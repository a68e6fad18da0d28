import { readdir, readFile } from 'node:fs/promises';

/** The processes descending from one process, read from /proc (Linux only). */

export interface ProcessInfo {
  pid: number;
  parentPid: number;
  command: string;
  /** Chromium's --type= switch (renderer, gpu-process, utility, zygote…); "browser" for the main process. */
  kind: string;
  /** User + system CPU time used so far, in milliseconds. */
  cpuMs: number;
}

/** /proc/<pid>/stat counts CPU time in clock ticks; Linux reports 100 per second to user space. */
const millisecondsPerTick = 10;

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may contain spaces; fields after it are space separated.
    const afterCommand = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Chromium rewrites its children's titles with spaces instead of NULs, so search the whole line.
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const typeSwitch = /--type=([^\s\0]+)/.exec(commandLine);
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command.
    const cpuMs = (Number(afterCommand[11]) + Number(afterCommand[12])) * millisecondsPerTick;
    return { pid, parentPid: Number(afterCommand[1]), command, kind: typeSwitch?.[1] ?? 'browser', cpuMs };
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Every process below `rootPid` (not the root itself). */
export async function descendantProcesses(rootPid: number): Promise<ProcessInfo[]> {
  const entries = await readdir('/proc');
  const processes = (await Promise.all(entries.filter((entry) => /^\d+$/.test(entry)).map((entry) => readProcess(Number(entry))))).filter(
    (info): info is ProcessInfo => info !== undefined,
  );
  const children = new Map<number, ProcessInfo[]>();
  for (const info of processes) children.set(info.parentPid, [...(children.get(info.parentPid) ?? []), info]);
  const tree: ProcessInfo[] = [];
  const pending = [...(children.get(rootPid) ?? [])];
  for (let next = pending.pop(); next; next = pending.pop()) {
    tree.push(next);
    pending.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

/** The Chromium processes among a tree (not the helpers such as esbuild that tsx starts). */
export function chromiumProcesses(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((info) => /chrom/i.test(info.command));
}
