import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { BrowserPool, mergeDisableFeatures, type TaskContext } from '../src/index.js';
import { loopbackNetworkAllowance } from './browser-fixture.js';
import { startTestSite, type TestSite } from './test-site.js';

let pool: BrowserPool;
let site: TestSite;
let downloadsRoot: string;

before(async () => {
  [pool, site, downloadsRoot] = await Promise.all([
    // A generous wait for contexts coming back, so that a loaded machine cannot make a test build one instead.
    BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, returningWaitMs: 60_000 }),
    startTestSite(),
    mkdtemp(join(tmpdir(), 'browser-pool-test-')),
  ]);
});

after(async () => {
  await pool.close();
  await site.close();
  await rm(downloadsRoot, { recursive: true, force: true });
});

test('openContext hands out a context created before the call, then warms a replacement', async () => {
  await pool.whenWarm();
  assert.equal(pool.readyCount('desktop'), 1);
  const contextsBefore = new Set(pool.browser.contexts());
  const task = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'warm') });
  try {
    assert.ok(contextsBefore.has(task.context), 'the context existed before openContext was called');
    assert.equal(task.prewarmed, true);
    assert.equal(task.pages.length, 1);
    assert.equal(task.page.url(), 'about:blank');
    await pool.whenWarm();
    assert.equal(pool.readyCount('desktop'), 1, 'a replacement context is warm again');
  } finally {
    await task.close();
  }
});

interface Environment {
  width: number;
  height: number;
  userAgent: string;
  maxTouchPoints: number;
  touchEvents: boolean;
  coarsePointer: boolean;
}

async function environmentOf(device: 'desktop' | 'desktop-lg' | 'mobile'): Promise<Environment> {
  const task = await pool.openContext({ device, downloadsDirectory: join(downloadsRoot, device), startUrl: `${site.origin}/environment` });
  try {
    assert.equal(task.device, device);
    return await task.page.evaluate(() => ({
      width: window.innerWidth,
      height: window.innerHeight,
      userAgent: navigator.userAgent,
      maxTouchPoints: navigator.maxTouchPoints,
      touchEvents: 'ontouchstart' in window,
      coarsePointer: matchMedia('(pointer: coarse)').matches,
    }));
  } finally {
    await task.close();
  }
}

test('desktop is a 1280x800 non-touch desktop Chrome', async () => {
  const environment = await environmentOf('desktop');
  assert.equal(environment.width, 1280);
  assert.equal(environment.height, 800);
  assert.equal(environment.maxTouchPoints, 0);
  assert.equal(environment.touchEvents, false);
  assert.match(environment.userAgent, /X11; Linux x86_64.*Chrome\/\d+/);
  assert.doesNotMatch(environment.userAgent, /Headless|Mobile/);
});

test('desktop-lg is a 1920x1080 desktop', async () => {
  const environment = await environmentOf('desktop-lg');
  assert.equal(environment.width, 1920);
  assert.equal(environment.height, 1080);
  assert.equal(environment.touchEvents, false);
  assert.doesNotMatch(environment.userAgent, /Headless|Mobile/);
});

test('mobile is a touch phone with a mobile Chrome user agent', async () => {
  const environment = await environmentOf('mobile');
  assert.equal(environment.width, 390);
  assert.equal(environment.height, 844);
  assert.ok(environment.maxTouchPoints > 0);
  assert.equal(environment.touchEvents, true);
  assert.equal(environment.coarsePointer, true);
  assert.match(environment.userAgent, /Android.*Chrome\/\d+.*Mobile Safari/);
  assert.doesNotMatch(environment.userAgent, /Headless/);
});

test('a default context is a desktop one', async () => {
  const task = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'default') });
  try {
    assert.equal(task.device, 'desktop');
    assert.deepEqual(task.page.viewportSize(), { width: 1280, height: 800 });
  } finally {
    await task.close();
    await task.close();
  }
});

test('Chromium runs with one feature list: Playwright’s own plus the omnibox WebUIs turned off', async () => {
  const session = await pool.browser.newBrowserCDPSession();
  try {
    const { arguments: commandLine } = (await session.send('Browser.getBrowserCommandLine')) as { arguments: string[] };
    const featureSwitches = commandLine.filter((value) => value.startsWith('--disable-features='));
    assert.equal(featureSwitches.length, 1, `one --disable-features switch, got: ${featureSwitches.join(' ')}`);
    const features = featureSwitches[0]!.slice('--disable-features='.length).split(',');
    for (const feature of ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'Translate', 'HttpsUpgrades']) {
      assert.ok(features.includes(feature), `${feature} is disabled`);
    }
  } finally {
    await session.detach();
  }
});

test('a task’s page comes without the omnibox popup pages headless Chromium would pre-load', async () => {
  const task = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'targets') });
  const session = await pool.browser.newBrowserCDPSession();
  try {
    await task.goto(`${site.origin}/`);
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: Array<{ type: string; url: string }> };
    const browserUi = targetInfos.filter((target) => target.type === 'browser_ui' || target.url.startsWith('chrome://'));
    assert.deepEqual(browserUi.map((target) => target.url), []);
  } finally {
    await session.detach();
    await task.close();
  }
});

test('mergeDisableFeatures keeps one switch with every feature once, after the other switches', () => {
  assert.deepEqual(mergeDisableFeatures(['--disable-features=A,B', '--mute-audio', '--disable-features=B,C']), [
    '--mute-audio',
    '--disable-features=A,B,C',
  ]);
  assert.deepEqual(mergeDisableFeatures(['--mute-audio']), ['--mute-audio']);
});

/** What a page of the origin can still read of what an earlier task stored there. */
async function storedState(task: TaskContext): Promise<Record<string, unknown>> {
  return task.page.evaluate(async () => ({
    cookie: document.cookie,
    local: localStorage.getItem('left-behind'),
    session: sessionStorage.getItem('left-behind'),
    databases: (await indexedDB.databases()).map((database) => database.name),
    historyLength: history.length,
  }));
}

test('a context given back for reuse goes to the next task of its scope, with nothing of the last task left', async () => {
  const first = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'reuse-1'), reuseScope: 'tenant-a' });
  const context = first.context;
  await first.goto(`${site.origin}/`);
  await first.page.evaluate(async () => {
    document.cookie = 'left-behind=1; max-age=3600';
    localStorage.setItem('left-behind', '1');
    sessionStorage.setItem('left-behind', '1');
    await new Promise((resolve) => (indexedDB.open('left-behind').onsuccess = resolve));
  });
  assert.deepEqual(await storedState(first), { cookie: 'left-behind=1', local: '1', session: '1', databases: ['left-behind'], historyLength: 2 });
  let firstSawNewTab = false;
  first.onNewTab(() => (firstSawNewTab = true));
  await first.close({ reuse: true });
  assert.deepEqual(first.pages, [], 'the first task no longer reaches the tab');

  const second = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'reuse-2'), reuseScope: 'tenant-a' });
  try {
    assert.equal(second.context, context, 'the same context was handed out again');
    assert.equal(second.page.url(), 'about:blank');
    await second.goto(`${site.origin}/`);
    const state = await storedState(second);
    assert.deepEqual({ ...state, historyLength: undefined }, { cookie: '', local: null, session: null, databases: [], historyLength: undefined });
    assert.ok((state.historyLength as number) <= 2, `no earlier pages in the history (length ${String(state.historyLength)})`);
    await second.page.evaluate(() => window.open('/', '_blank'));
    await second.waitForSettle();
    assert.equal(second.pages.length, 2);
    assert.equal(firstSawNewTab, false, 'the first task hears nothing of the second task’s tabs');
  } finally {
    await second.close({ reuse: true });
  }
  await pool.whenWarm();
  assert.equal(pool.reusableCount('desktop', 'tenant-a'), 0, 'a context with two tabs is closed, not reused');
  assert.equal(context.pages().length, 0);
});

test('a context given back is never handed to another scope, and a plain close closes it', async () => {
  const first = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'scope-1'), reuseScope: 'tenant-b' });
  const context = first.context;
  await first.goto(`${site.origin}/`);
  await first.close({ reuse: true });
  await pool.whenWarm();
  assert.equal(pool.reusableCount('desktop', 'tenant-b'), 1);
  const other = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'scope-2'), reuseScope: 'tenant-c' });
  const same = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'scope-3'), reuseScope: 'tenant-b' });
  try {
    assert.notEqual(other.context, context);
    assert.equal(same.context, context);
  } finally {
    await other.close();
    await same.close();
  }
  await pool.whenWarm();
  assert.equal(pool.reusableCount('desktop', 'tenant-b'), 0);
  assert.equal(pool.reusableCount('desktop', 'tenant-c'), 0);
  assert.ok(!pool.browser.contexts().includes(context), 'closed without reuse, the context is gone');
});

test('a task with nothing ready gets the context of its scope whose task is ending once that task gives it back', async () => {
  // Not the default recipe: never served from the warm contexts, so only a returning context can spare building one.
  const recipe = { adblock: false, reuseScope: 'tenant-r' } as const;
  const ending = new AbortController();
  const first = await pool.openContext({ ...recipe, downloadsDirectory: join(downloadsRoot, 'returning-1'), signal: ending.signal });
  await first.goto(`${site.origin}/`);
  const context = first.context;
  ending.abort(new Error('the task is ending'));
  let secondOpened = false;
  const secondOpening = pool.openContext({ ...recipe, downloadsDirectory: join(downloadsRoot, 'returning-2') }).finally(() => (secondOpened = true));
  // The first task's close comes later (a server stops its recorder first): the second waits for it.
  await first.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
  assert.equal(secondOpened, false, 'the second task waits for the context coming back');
  await first.close({ reuse: true });
  const second = await secondOpening;
  try {
    assert.equal(second.context, context, 'the context the first task gave back, not a new one');
    assert.equal(second.page.url(), 'about:blank', 'wiped');
  } finally {
    await second.close();
  }
});

test('a task waiting for a returning context builds its own when that task closes without giving it back', async () => {
  const recipe = { adblock: false, reuseScope: 'tenant-s' } as const;
  const ending = new AbortController();
  const first = await pool.openContext({ ...recipe, downloadsDirectory: join(downloadsRoot, 'returning-3'), signal: ending.signal });
  const context = first.context;
  ending.abort(new Error('the task failed'));
  const secondOpening = pool.openContext({ ...recipe, downloadsDirectory: join(downloadsRoot, 'returning-4') });
  await first.close();
  // Well within the pool's 60 s wait: the plain close ends the wait at once.
  const second = await Promise.race([secondOpening, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still waiting 20 s after the close')), 20_000).unref())]);
  try {
    assert.notEqual(second.context, context);
    assert.ok(!pool.browser.contexts().includes(context), 'the first context is closed');
  } finally {
    await second.close();
  }
});
