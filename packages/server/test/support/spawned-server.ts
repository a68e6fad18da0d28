import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl } from './test-database.js';

export interface SpawnedServer {
  /** http://host:port */
  url: string;
  apiBaseUrl: string;
  apiKey: string;
  /** A request to /api/v1 with the key; the parsed body (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
  /** kill -9: the process dies as a crashed machine would, leaving its tasks as they were. */
  kill(): Promise<void>;
}

/** Starts support/server-process.ts in a child process with the given environment added. */
export async function startSpawnedServer(environment: Record<string, string>): Promise<SpawnedServer> {
  const apiKey = environment.TEST_API_KEY ?? 'sk_test_spawned';
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  const databaseUrl = environment.SMOOTH_DATABASE_URL ?? (await testDatabaseUrl());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...(databaseUrl ? { SMOOTH_DATABASE_URL: databaseUrl } : {}), ...environment, TEST_API_KEY: apiKey },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const apiBaseUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { apiBaseUrl: string }).apiBaseUrl));
    child.once('exit', (code) => reject(new Error(`the server process exited (${String(code)}) before listening`)));
  });
  return {
    url: apiBaseUrl.replace(/\/api\/$/, ''),
    apiBaseUrl,
    apiKey,
    async api(method, path, body) {
      const response = await fetch(`${apiBaseUrl}v1${path}`, {
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
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async close() {
      child.stdin?.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
