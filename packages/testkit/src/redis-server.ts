import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /**
   * Keep data across restarts: an append-only file written on every command (`appendfsync always`),
   * so even a killed server comes back with everything it had acknowledged. Default off: nothing is
   * written to disk.
   */
  appendOnly?: boolean;
  /** The binary; default SMOOTH_REDIS_SERVER_PATH, else `redis-server` (scripts/setup.sh installs it). */
  binary?: string;
  /** How long to wait for the server to accept connections; default 20 s. */
  startTimeoutMs?: number;
}

/** A throwaway redis-server on 127.0.0.1, for tests. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** Its working directory (the append-only file lives here); removed by stop(). */
  readonly dataDirectory: string;
  /** Stops the server (SIGTERM, or SIGKILL with `kill`) and starts it again on the same port and directory. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const host = '127.0.0.1';

/** A port nobody listens on right now (the kernel's choice); the server then binds it. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || !address) throw new Error('could not pick a free port');
  return address.port;
}

function serverArguments(port: number, dataDirectory: string, appendOnly: boolean): string[] {
  return [
    '--port', String(port),
    '--bind', host,
    '--dir', dataDirectory,
    '--daemonize', 'no',
    '--save', '',
    '--appendonly', appendOnly ? 'yes' : 'no',
    ...(appendOnly ? ['--appendfsync', 'always'] : []),
    '--logfile', '',
    '--loglevel', 'notice',
  ];
}

/** Resolves once the server answers PING with PONG on a fresh connection. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(2000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\r\n')) finish(received.startsWith('+PONG'));
    });
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

/**
 * Starts the process and waits until it says it accepts connections (then checks with a PING);
 * rejects with its output when it exits first or does not get there in time.
 */
async function launch(binary: string, port: number, dataDirectory: string, appendOnly: boolean, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(binary, serverArguments(port, dataDirectory, appendOnly), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not accept connections within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${binary} (scripts/setup.sh installs Debian's redis-server): ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${signal ?? code}) before accepting connections:\n${output}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
  if (!(await answersPing(port))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${port} said it was ready but does not answer PING:\n${output}`);
  }
  return child;
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/**
 * Starts a redis-server of its own on 127.0.0.1 on a free port, with a fresh directory and no
 * persistence unless `appendOnly`. Nothing is shared with a system Redis.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? process.env.SMOOTH_REDIS_SERVER_PATH ?? 'redis-server';
  const appendOnly = options.appendOnly ?? false;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process may take the picked port before the server binds it: pick again.
  for (let attempt = 1; !child; attempt += 1) {
    port = await freePort();
    try {
      child = await launch(binary, port, dataDirectory, appendOnly, timeoutMs);
    } catch (error) {
      const portTaken = error instanceof Error && /Address already in use/.test(error.message);
      if (!portTaken || attempt >= 5) {
        await rm(dataDirectory, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // A test process that ends without stop() must not leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopped = false;
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    dataDirectory,
    async restart({ kill = false } = {}) {
      if (stopped) throw new Error('this redis-server was stopped');
      if (child) await terminate(child, kill ? 'SIGKILL' : 'SIGTERM');
      child = await launch(binary, port, dataDirectory, appendOnly, timeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', killOnExit);
      if (child) await terminate(child, 'SIGTERM');
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}
