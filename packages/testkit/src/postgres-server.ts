import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A throwaway PostgreSQL cluster on 127.0.0.1, for tests; nothing of it outlives `stop()`. */
export interface PostgresServer {
  /** `postgres://…@127.0.0.1:<port>/postgres`: the cluster's default database. */
  url: string;
  port: number;
  /** Creates an empty database and returns its URL: one per test keeps tests apart. */
  createDatabase(name?: string): Promise<string>;
  /** Runs one statement on a database of this cluster (by its URL) and returns the rows: for assertions. */
  query<Row extends Record<string, unknown>>(databaseUrl: string, sql: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

const superuser = 'smooth';

/** Debian installs each major version under /usr/lib/postgresql/<version>/bin; the newest wins. */
export function postgresBinaryDirectory(): string {
  const fromEnvironment = process.env.SMOOTH_POSTGRES_BIN;
  if (fromEnvironment) return fromEnvironment;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error(`no PostgreSQL under ${root}; run scripts/setup.sh (it installs Debian's postgresql) or set SMOOTH_POSTGRES_BIN`);
  return join(root, newest, 'bin');
}

/**
 * PostgreSQL refuses to run as root. As root, the cluster belongs to the `postgres` system user
 * (made by Debian's package) and its programs run as that user through setpriv, which execs in
 * place, so the pid we hold is the server's own and signals reach it.
 */
function runAs(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) throw new Error('running as root, PostgreSQL needs the "postgres" user; install Debian\'s postgresql (scripts/setup.sh)');
  return { prefix: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'], uid, gid };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function runToEnd(command: string[], cwd: string): void {
  const [program, ...args] = command;
  if (program === undefined) throw new Error('no command');
  const result = spawnSync(program, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

/** Connects until the server accepts, or fails with what it printed. */
async function waitUntilReady(url: string, server: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`postgres exited while starting: ${output()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms: ${(error as Error).message}; ${output()}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts a fresh cluster in a temporary directory on a free loopback port (trust authentication,
 * loopback only, durability off: it is thrown away). Stop it with `stop()`.
 */
export async function startPostgresServer(options: { startTimeoutMs?: number } = {}): Promise<PostgresServer> {
  const binaries = postgresBinaryDirectory();
  const user = runAs();
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-postgres-'));
  const dataDirectory = join(directory, 'data');
  if (user.uid !== undefined && user.gid !== undefined) chownSync(directory, user.uid, user.gid);
  runToEnd([...user.prefix, join(binaries, 'initdb'), '-D', dataDirectory, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], directory);

  // The port is free when picked; another process may take it before postgres binds, so retry.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    let output = '';
    const server = spawn(
      user.prefix[0] ?? join(binaries, 'postgres'),
      [
        ...user.prefix.slice(1),
        ...(user.prefix.length > 0 ? [join(binaries, 'postgres')] : []),
        '-D', dataDirectory,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${directory}`,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ],
      { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const url = `postgres://${superuser}@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilReady(url, server, () => output, options.startTimeoutMs ?? 60_000);
    } catch (error) {
      server.kill('SIGKILL');
      if (attempt < 3 && /could not bind|Address already in use/.test(output)) continue;
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
    return runningServer(url, port, server, directory);
  }
}

function runningServer(url: string, port: number, server: ChildProcess, directory: string): PostgresServer {
  const exited = new Promise<void>((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) resolve();
    else server.once('exit', () => resolve());
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    async createDatabase(name = `test_${randomBytes(6).toString('hex')}`): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${superuser}@127.0.0.1:${port}/${name}`;
    },
    async query<Row extends Record<string, unknown>>(databaseUrl: string, sql: string, values: unknown[] = []): Promise<Row[]> {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query<Row>(sql, values)).rows;
      } finally {
        await client.end();
      }
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        // Immediate shutdown: nothing here needs to survive, and clients still connected do not hold it up.
        server.kill('SIGQUIT');
        const killLater = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killLater);
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
