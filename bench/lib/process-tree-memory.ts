import { readdir, readFile } from 'node:fs/promises';

/** Proportional set size of a process tree, read from /proc (Linux only). */

interface ProcessInfo {
  pid: number;
  parentPid: number;
  command: string;
  /** Chromium's --type= switch (renderer, gpu-process, utility, zygote…); "browser" for the main process. */
  kind: string;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may contain spaces; fields after it are space separated.
    const afterCommand = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Chromium rewrites its children's titles with spaces instead of NULs, so search the whole line.
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const typeSwitch = /--type=([^\s\0]+)/.exec(commandLine);
    return { pid, parentPid: Number(afterCommand[1]), command, kind: typeSwitch?.[1] ?? 'browser' };
  } catch {
    return undefined; // the process ended while we looked
  }
}

async function allProcesses(): Promise<ProcessInfo[]> {
  const entries = await readdir('/proc');
  const processes = await Promise.all(entries.filter((entry) => /^\d+$/.test(entry)).map((entry) => readProcess(Number(entry))));
  return processes.filter((info): info is ProcessInfo => info !== undefined);
}

async function pssKilobytes(pid: number): Promise<number> {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export interface TreeMemory {
  processCount: number;
  totalMegabytes: number;
  /** PSS in MB by Chromium process kind, plus the count of each. */
  byKind: Record<string, { processes: number; megabytes: number }>;
}

/** Every Chromium process descending from `rootPid` (our Node process), with its PSS. */
export async function chromiumTreeMemory(rootPid: number = process.pid): Promise<TreeMemory> {
  const processes = await allProcesses();
  const children = new Map<number, ProcessInfo[]>();
  for (const info of processes) children.set(info.parentPid, [...(children.get(info.parentPid) ?? []), info]);
  const tree: ProcessInfo[] = [];
  const pending = [...(children.get(rootPid) ?? [])];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next) break;
    tree.push(next);
    pending.push(...(children.get(next.pid) ?? []));
  }
  const chromium = tree.filter((info) => /chrom/i.test(info.command));
  const sizes = await Promise.all(chromium.map((info) => pssKilobytes(info.pid)));
  const byKind: TreeMemory['byKind'] = {};
  let total = 0;
  chromium.forEach((info, index) => {
    const megabytes = (sizes[index] ?? 0) / 1024;
    total += megabytes;
    const entry = byKind[info.kind] ?? { processes: 0, megabytes: 0 };
    entry.processes += 1;
    entry.megabytes += megabytes;
    byKind[info.kind] = entry;
  });
  return { processCount: chromium.length, totalMegabytes: total, byKind };
}
