import { availableParallelism, totalmem } from 'node:os';

/** What one running task costs, roughly: a browser context, its renderer and the agent's share. */
const memoryPerTaskBytes = 400 * 1024 * 1024;
/** Left for Chromium's own processes, the server and the system. */
const reservedMemoryBytes = 1024 * 1024 * 1024;

export interface ConcurrencyLimits {
  maxConcurrentTasks: number;
  maxConcurrentTasksPerKey: number;
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not "${text}"`);
  return value;
}

/**
 * A task spends most of its time waiting for the model or the page, so two per core keep the
 * CPUs busy; memory caps it (each task holds a browser context). The per-key limit stays below
 * the global one so that a single key can never hold every slot.
 */
export function machineConcurrency(cores = availableParallelism(), memoryBytes = totalmem()): number {
  const byCpu = cores * 2;
  const byMemory = Math.floor((memoryBytes - reservedMemoryBytes) / memoryPerTaskBytes);
  return Math.max(1, Math.min(byCpu, byMemory, 64));
}

export function perKeyConcurrency(global: number): number {
  return Math.max(1, Math.min(global - 1, Math.ceil((global * 3) / 4)));
}

/**
 * Options win, then SMOOTH_MAX_CONCURRENT_TASKS / SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY, then the machine.
 * In a deployment (`distributed`) the global limit is this worker's slots but a key's limit counts its
 * tasks on every worker, so a default derived from one machine would hold a key to a fraction of one
 * worker however many run: there a key is limited only when the operator says so (fairness between
 * keys still holds: the key served longest ago goes first).
 */
export function resolveConcurrency(options: Partial<ConcurrencyLimits>, environment: NodeJS.ProcessEnv, distributed = false): ConcurrencyLimits {
  const maxConcurrentTasks =
    options.maxConcurrentTasks ?? positiveInteger('SMOOTH_MAX_CONCURRENT_TASKS', environment.SMOOTH_MAX_CONCURRENT_TASKS) ?? machineConcurrency();
  const configuredPerKey = options.maxConcurrentTasksPerKey ?? positiveInteger('SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY', environment.SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY);
  if (distributed) return { maxConcurrentTasks, maxConcurrentTasksPerKey: configuredPerKey ?? Number.MAX_SAFE_INTEGER };
  return { maxConcurrentTasks, maxConcurrentTasksPerKey: Math.min(configuredPerKey ?? perKeyConcurrency(maxConcurrentTasks), maxConcurrentTasks) };
}
