import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { childProcessIds } from '@open-smooth/testkit';
import type { RunningServer } from '../../src/index.js';
import type { ServerProcessCommand, ServerProcessSpec } from './server-process-spec.js';
import { testDatabaseUrl } from './test-database.js';

/** A server running in a child process (support/server-process.ts). */
export interface ServerProcess extends RunningServer {
  /** The child's process id. */
  readonly pid: number;
  /** Closes the server; rejects if the close failed, or took over a minute (the process and its browsers are then killed). */
  close(): Promise<void>;
  /** kill -9: the process dies as a crashed machine would, leaving its tasks as they were. */
  kill(): Promise<void>;
}

/** How long a clean close may take before the process is killed. */
const closeWaitMs = 60_000;

/** kill -9 the process and its children's process groups (Chromium and its renderers), so nothing is left holding ports. */
async function killTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of await childProcessIds(child.pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Not a group leader (or gone already): the process alone.
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  child.kill('SIGKILL');
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function describeExit({ code, signal }: Exit): string {
  return signal ?? `exit code ${String(code)}`;
}

/**
 * A child process running support/server-process.ts, which runs one server at a time: started by
 * `start`, closed by `stop` (the process stays for the next), or with the process by `end`.
 */
export class ServerHost {
  /** What prefixes its output lines on this process's stderr: the role of its current server. */
  label: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<Exit>;
  /** Lines of its stdout, each answering a command in turn. */
  readonly #answers: Array<(line: string) => void> = [];
  /** Set once the test kills or ends it: any other exit is news. */
  #ending = false;

  private constructor(child: ChildProcess, label: string) {
    this.#child = child;
    this.label = label;
    this.#exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.#exited.then((exit) => {
      if (!this.#ending) process.stderr.write(`[${this.label}] the server process ended by itself (${describeExit(exit)})\n`);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${this.label}] ${line}\n`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const answer = line.startsWith('{"url":') || line === '{"closed":true}' ? this.#answers.shift() : undefined;
      if (answer) answer(line);
      else process.stderr.write(`[${this.label}] ${line}\n`);
    });
    // Ending a process that has gone already is reported by its exit, not by a write error on its stdin.
    child.stdin!.on('error', () => undefined);
  }

  /** A new child process; `environment` is added to this process's for its start. */
  static spawn(label: string, environment: Record<string, string> = {}): ServerHost {
    const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: serverEnvironment(environment), stdio: ['pipe', 'pipe', 'pipe'] });
    return new ServerHost(child, label);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Whether it still runs. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends a command; resolves with its answer line, rejects if the process ends first. */
  #send(command: ServerProcessCommand, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.#answers.push(resolve);
      void this.#exited.then((exit) => reject(new Error(`the ${this.label} server process ended (${describeExit(exit)}) before ${what}; its output is above, prefixed [${this.label}]`)));
      this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
  }

  /** Starts a server with `spec` in this process's environment plus `environment`; resolves once it listens. */
  async start(spec: ServerProcessSpec, environment: Record<string, string> = {}): Promise<Omit<RunningServer, 'close'>> {
    return JSON.parse(await this.#send({ command: 'start', spec, environment: serverEnvironment(environment) }, 'listening')) as Omit<RunningServer, 'close'>;
  }

  /** Closes its server and keeps the process for another (rejects, killing it, when the close fails or takes over a minute). */
  async stop(): Promise<void> {
    await this.#within(this.#send({ command: 'close' }, 'closing its server'), 'close its server');
  }

  /** Closes its server and ends the process (rejects when that fails, or takes over a minute: it is then killed). */
  async end(): Promise<void> {
    if (!this.alive) return;
    this.#ending = true;
    this.#child.stdin!.end();
    const exit = await this.#within(this.#exited, 'close and exit');
    if (exit.code !== 0) throw new Error(`the ${this.label} server process ended with ${describeExit(exit)} when asked to close; its output is above, prefixed [${this.label}]`);
  }

  /** kill -9: the process dies as a crashed machine would. */
  async kill(): Promise<void> {
    this.#ending = true;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** `work`, unless it takes over closeWaitMs: then the process and its browsers are killed and it rejects. */
  async #within<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), closeWaitMs)));
    try {
      const outcome = await Promise.race([work, overdue]);
      if (outcome !== 'overdue') return outcome;
    } finally {
      clearTimeout(timer);
    }
    this.#ending = true;
    await killTree(this.#child);
    await this.#exited;
    throw new Error(`the ${this.label} server process did not ${what} within ${closeWaitMs} ms: killed`);
  }
}

/** This process's environment (a child starts with it) plus `environment`. */
function serverEnvironment(environment: Record<string, string>): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  // The test process says it once; every child saying it again would bury the output.
  return { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...environment };
}

/** A server on `host`; `release` is what closing it does with the process (end it, or keep it for another server). */
export async function serverOnHost(host: ServerHost, spec: ServerProcessSpec, environment: Record<string, string>, release: (host: ServerHost) => Promise<void>): Promise<ServerProcess> {
  const listening = await host.start(spec, environment);
  let closed: Promise<void> | undefined;
  let killed = false;
  return {
    ...listening,
    pid: host.pid,
    async kill() {
      killed = true;
      await host.kill();
    },
    close: () => (closed ??= killed ? Promise.resolve() : release(host)),
  };
}

/**
 * Starts support/server-process.ts in a child process of its own (`environment` added to this
 * process's) with a server of `spec`; closing the server ends the process. Its stderr (and any
 * other stdout) reaches this process's stderr, each line prefixed with `[label]`.
 */
export async function spawnServerProcess(spec: ServerProcessSpec, { label, environment = {} }: { label: string; environment?: Record<string, string> }): Promise<ServerProcess> {
  const host = ServerHost.spawn(label, environment);
  try {
    return await serverOnHost(host, spec, environment, (ended) => ended.end());
  } catch (error) {
    await host.kill();
    throw error;
  }
}

export interface SpawnedServer extends ServerProcess {
  apiKey: string;
  /** A request to /api/v1 with the key; the parsed body (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** A JSON value of the environment variable `name`, if set. */
function jsonOf<T>(environment: Record<string, string>, name: string): T | undefined {
  const value = environment[name];
  return value === undefined ? undefined : (JSON.parse(value) as T);
}

/** A number of the environment variable `name`, if set. */
function numberOf(environment: Record<string, string>, name: string): number | undefined {
  const value = environment[name];
  return value === undefined ? undefined : Number(value);
}

/**
 * A server in a child process with the given environment added (the server reads SMOOTH_* from it)
 * and a browser pool launched at start. Test settings: TEST_API_KEY, TEST_DATA_DIR,
 * TEST_CHROMIUM_ARGS (a JSON array, optional), TEST_CALLER_TUNNEL_TIMEOUT_MS (optional),
 * TEST_ALLOW_PRIVATE_NETWORK (a JSON array; default none, the production default), TEST_LEASE_MS
 * (optional; the heartbeat is a third of it), TEST_REDIS_PREFIX (optional).
 */
export async function startSpawnedServer(environment: Record<string, string>): Promise<SpawnedServer> {
  const apiKey = environment.TEST_API_KEY ?? 'sk_test_spawned';
  const databaseUrl = environment.SMOOTH_DATABASE_URL ?? (await testDatabaseUrl());
  const callerTunnelTimeoutMs = numberOf(environment, 'TEST_CALLER_TUNNEL_TIMEOUT_MS');
  const leaseMs = numberOf(environment, 'TEST_LEASE_MS');
  const spec: ServerProcessSpec = {
    server: {
      apiKeys: [apiKey],
      longPollMs: 2000,
      ...(environment.TEST_DATA_DIR ? { dataDirectory: environment.TEST_DATA_DIR } : {}),
      ...(callerTunnelTimeoutMs !== undefined ? { callerTunnelTimeoutMs } : {}),
      ...(leaseMs !== undefined ? { leaseMs } : {}),
      ...(environment.TEST_REDIS_PREFIX ? { redisPrefix: environment.TEST_REDIS_PREFIX } : {}),
    },
    pool: {
      warmDevices: ['mobile'],
      extraArgs: jsonOf<string[]>(environment, 'TEST_CHROMIUM_ARGS') ?? [],
      allowPrivateNetwork: jsonOf<string[]>(environment, 'TEST_ALLOW_PRIVATE_NETWORK') ?? [],
    },
  };
  const label = environment.SMOOTH_WORKER_ID ?? environment.SMOOTH_ROLE ?? 'spawned server';
  const server = await spawnServerProcess(spec, { label, environment: { ...(databaseUrl ? { SMOOTH_DATABASE_URL: databaseUrl } : {}), ...environment } });
  return {
    ...server,
    apiKey,
    async api(method, path, body) {
      const response = await fetch(`${server.apiBaseUrl}v1${path}`, {
        method,
        headers: { apikey: apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      try {
        return { status: response.status, body: JSON.parse(text) };
      } catch {
        return { status: response.status, body: text };
      }
    },
  };
}
