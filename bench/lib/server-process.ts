import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * One Open Smooth server in a process of its own (as in production: its own event loop, its own
 * Chromium), started in a source tree (this one, or another checkout to compare with) with its
 * ServerOptions as JSON. Stopped gracefully (`RunningServer.close()`) when its stdin ends.
 */
export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Run with the tree's own tsx and packages: `@open-smooth/server` resolves from the working directory. */
const serverScript = `
import { startServer } from '@open-smooth/server';
const server = await startServer(JSON.parse(process.env.BENCH_SERVER_OPTIONS));
process.stdout.write(JSON.stringify({ url: server.url }) + '\\n');
process.stdin.on('end', () => server.close().then(() => process.exit(0), (error) => { console.error('server close failed:', error); process.exit(1); }));
process.stdin.resume();
`;

export async function startServerProcess(name: string, tree: string, options: Record<string, unknown>, environment: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serverScript], {
    cwd: tree,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...environment, BENCH_SERVER_OPTIONS: JSON.stringify(options) },
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${String(code)} before it listened`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    name,
    url,
    child,
    async stop() {
      child.stdin?.end();
      const killLater = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killLater);
    },
  };
}
