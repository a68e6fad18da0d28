import { readFile } from 'node:fs/promises';
import { chromiumProcesses, descendantProcesses } from './process-tree.js';

/** Proportional set size of a process tree, read from /proc (Linux only). */

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
  const chromium = chromiumProcesses(await descendantProcesses(rootPid));
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
