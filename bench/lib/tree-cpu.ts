import { readdir, readFile } from 'node:fs/promises';

/** /proc/<pid>/stat counts CPU time in clock ticks; Linux reports 100 per second to user space. */
const millisecondsPerTick = 10;

/**
 * CPU time (user + system, ms) used so far by every process below `rootPid`, each counted with
 * the children it has reaped (cutime, cstime): a Chromium renderer that has exited is still in its
 * browser's figure. The root itself is left out (the bench's own client work).
 */
export async function descendantCpuMs(rootPid: number): Promise<number> {
  const entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const stats = await Promise.all(entries.map((entry) => readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined)));
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  stats.forEach((stat, index) => {
    if (!stat) return; // the process ended while we looked
    // Fields after the parenthesised command: state is the 1st, ppid the 2nd, utime…cstime the 12th–15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entries[index]);
    parents.set(pid, Number(fields[1]));
    cpu.set(pid, (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * millisecondsPerTick);
  });
  const descends = (pid: number): boolean => {
    for (let parent = parents.get(pid); parent !== undefined && parent > 1; parent = parents.get(parent)) if (parent === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, milliseconds] of cpu) if (descends(pid)) total += milliseconds;
  return total;
}

/** The whole machine's busy time (all processes, everyone's), ms summed over cores, from /proc/stat. */
export async function machineBusyMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * millisecondsPerTick;
}
