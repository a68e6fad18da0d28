import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { chromiumExecutablePath } from '@open-smooth/browser';

/** What the figures were measured on; load matters because helpers share the 2 cores. */
export interface MachineDescription {
  cpuCount: number;
  cpuModel: string;
  memoryGibibytes: number;
  node: string;
  chromium: string;
  loadAverage: number[];
}

function chromiumVersion(): string {
  try {
    return execFileSync(chromiumExecutablePath(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): MachineDescription {
  return {
    cpuCount: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGibibytes: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    chromium: chromiumVersion(),
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  };
}
