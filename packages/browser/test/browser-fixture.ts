import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { BrowserPool, type BrowserPoolOptions, type TaskContext, type TaskContextOptions } from '../src/index.js';
import { startTestSite, type TestSite } from './test-site.js';

/** What a browser test file shares: one pool, the test site, and a folder for downloads. */
export interface BrowserFixture {
  readonly pool: BrowserPool;
  readonly site: TestSite;
  readonly downloadsRoot: string;
  /** Runs `run` in a fresh task (its own downloads folder) and closes the task after it. */
  withTask(options: Omit<TaskContextOptions, 'downloadsDirectory'>, run: (task: TaskContext) => Promise<void>): Promise<void>;
}

/** Loopback, where the test sites listen (`localhost` is 127.0.0.1 and ::1): what browser tests let tasks reach. */
export const loopbackNetworkAllowance: readonly string[] = ['127.0.0.0/8', '::1'];

/**
 * Starts the fixture before the file's tests and stops it after them. The pool lets tasks reach
 * loopback unless `poolOptions.allowPrivateNetwork` says otherwise.
 */
export function useBrowserFixture(name: string, poolOptions: BrowserPoolOptions = { warmDevices: ['desktop'] }): BrowserFixture {
  poolOptions = { allowPrivateNetwork: loopbackNetworkAllowance, ...poolOptions };
  let pool: BrowserPool | undefined;
  let site: TestSite | undefined;
  let downloadsRoot: string | undefined;
  before(async () => {
    [pool, site, downloadsRoot] = await Promise.all([BrowserPool.launch(poolOptions), startTestSite(), mkdtemp(join(tmpdir(), `${name}-test-`))]);
  });
  after(async () => {
    await pool?.close();
    await site?.close();
    if (downloadsRoot) await rm(downloadsRoot, { recursive: true, force: true });
  });
  const started = <Value>(value: Value | undefined): Value => {
    if (value === undefined) throw new Error('the browser fixture is used before its before() hook ran');
    return value;
  };
  return {
    get pool() {
      return started(pool);
    },
    get site() {
      return started(site);
    },
    get downloadsRoot() {
      return started(downloadsRoot);
    },
    async withTask(options, run) {
      const task = await started(pool).openContext({ ...options, downloadsDirectory: join(started(downloadsRoot), String(Math.random()).slice(2), 'nested') });
      try {
        await run(task);
      } finally {
        await task.close();
      }
    },
  };
}
