import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './http-load.js';

/**
 * wrk (C, one thread) as the load generator: it spends far less CPU per request than autocannon,
 * which matters when generator and server share 2 cores. Latency percentiles come from a Lua
 * `done` hook; requests rotate over the given paths, pre-formatted once per thread.
 */

const marker = 'WRK_RESULT ';

const luaScript = `
local requests = {}
local index = 0
function init(args)
  for position, path in ipairs(args) do requests[position] = wrk.format("GET", path) end
end
function request()
  index = index % #requests + 1
  return requests[index]
end
function done(summary, latency, _)
  local errors = summary.errors
  io.write(string.format('${marker}{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's wrk when missing (sudo only when not root); false when it cannot. */
export function ensureWrk(): boolean {
  if (hasCommand('wrk')) return true;
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  try {
    execFileSync('sh', ['-c', `${sudo}apt-get install -y wrk || (${sudo}apt-get update && ${sudo}apt-get install -y wrk)`], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return hasCommand('wrk');
}

/**
 * BENCH_PIN=1 (with 2+ cores): wrk on the last core, this process (the server, every thread) on
 * the others. Off by default: measured here, the pinned server was slower (its GC threads and the
 * kernel's network work could not use what wrk leaves of the other core).
 */
function pinnedCores(): { server: string; generator: string } | undefined {
  const cores = machineCores();
  if (cores < 2 || process.env.BENCH_PIN !== '1' || !hasCommand('taskset')) return undefined;
  return { server: cores === 2 ? '0' : `0-${cores - 2}`, generator: String(cores - 1) };
}

/** The machine's cores; not availableParallelism(), which shrinks to this process's own affinity once pinned. */
function machineCores(): number {
  return cpus().length;
}

function setServerAffinity(cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p99: number;
  max: number;
}

/** Runs wrk under `sh` so the shell's `times` reports the CPU wrk used. */
function runWrk(arguments_: string[], generatorCores: string | undefined): Promise<{ summary: WrkSummary; cpuSeconds: number }> {
  const command = [...(generatorCores ? ['taskset', '-c', generatorCores] : []), 'wrk', ...arguments_].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${command}; code=$?; times >&2; exit $code`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((text) => text.startsWith(marker));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}): ${stderr.trim() || stdout.trim()}`));
      // `times` prints the shell's own user/system time, then its children's: the second line is wrk's.
      const childTimes = stderr.trim().split('\n').at(-1) ?? '';
      const seconds = [...childTimes.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, match) => sum + Number(match[1]) * 60 + Number(match[2]), 0);
      resolve({ summary: JSON.parse(line.slice(marker.length)) as WrkSummary, cpuSeconds: seconds });
    });
  });
}

export async function runWrkLoad(options: LoadOptions): Promise<Omit<LoadResult, 'serverCpuPercent' | 'eventLoopDelayMs'>> {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-wrk-'));
  const scriptPath = join(directory, 'rotate-paths.lua');
  await writeFile(scriptPath, luaScript);
  const pinned = pinnedCores();
  const headers = Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const arguments_ = ['-t', '1', '-c', String(options.connections), '-d', `${options.durationSeconds}s`, '-s', scriptPath, ...headers, options.url, '--', ...options.paths];
  try {
    if (pinned) setServerAffinity(pinned.server);
    const { summary, cpuSeconds } = await runWrk(arguments_, pinned?.generator);
    const durationSeconds = summary.durationUs / 1e6;
    const failed = summary.connect + summary.read + summary.write + summary.status + summary.timeout;
    return {
      generator: `wrk 1 thread${pinned ? `, pinned: wrk on core ${pinned.generator}, server on ${pinned.server}` : ', not pinned'}`,
      requestsPerSecond: summary.requests / durationSeconds,
      okCount: summary.requests - summary.status,
      failedCount: failed,
      durationSeconds: Math.round(durationSeconds * 100) / 100,
      latencyMs: { p50: summary.p50 / 1000, p99: summary.p99 / 1000, max: summary.max / 1000 },
      generatorCpuPercent: Math.round((cpuSeconds / durationSeconds) * 1000) / 10,
    };
  } finally {
    if (pinned) setServerAffinity(`0-${machineCores() - 1}`);
    await rm(directory, { recursive: true, force: true });
  }
}
