import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BrowserPool, type TaskContext } from '@open-smooth/browser';
import { findElementIndex, loopbackNetworkAllowance, startFixtureServer, type ElementMatch, type FixtureServer } from '@open-smooth/testkit';
import { observePage } from '../src/index.js';

/** Per fixture page, the elements its task needs. Each must be in the observation with an index. */
const neededElements: Record<string, ElementMatch[]> = {
  '/flights': [{ role: 'textbox', name: 'From' }, { role: 'textbox', name: 'To' }, { role: 'textbox', name: 'Date' }, { role: 'button', name: 'Search' }],
  '/flights/results?from=London&to=Paris': [{ role: 'checkbox', name: 'Non-stop only' }, { role: 'combobox', name: 'Sort by' }, { name: 'Select' }],
  '/apply': [{ role: 'textbox', name: 'Full name' }, { role: 'textbox', name: 'Email address' }, { role: 'button', name: 'Next' }],
  '/login': [{ role: 'textbox', name: 'Username' }, { role: 'textbox', name: 'Password' }, { role: 'button', name: 'Sign in' }],
  '/shop': [{ role: 'link', name: 'Next' }, { role: 'link', name: '2' }, { role: 'button', name: /^Add .* to basket$/ }],
  '/frames': [{ role: 'button', name: 'Same-origin frame button' }, { role: 'button', name: 'Cross-origin frame button' }, { role: 'button', name: 'Shadow button' }, { role: 'textbox', name: 'Promo code' }],
  '/downloads': [{ role: 'link', name: /Download Q1 sales report/ }],
  '/upload': [{ name: 'Document' }, { role: 'button', name: 'Upload' }],
  '/menu': [{ name: /^Products/ }],
  '/board': [{ name: 'Fix login redirect bug' }, { name: 'Invoice CSV export' }],
  '/policy/fetch': [{ role: 'button', name: 'Check partner status' }],
  // icon-only items of a delegated toolbar handler: named from their data-cmd
  '/widgets/toolbar': [{ role: 'clickable', name: 'bold' }, { role: 'clickable', name: 'underline' }, { role: 'clickable', name: 'save' }],
  // per-post icon actions (delegated handler on the feed); a count beside the heart
  '/widgets/feed': [{ role: 'clickable', name: 'like 0' }, { role: 'clickable', name: 'reply' }, { role: 'clickable', name: 'share' }, { role: 'clickable', name: 'more' }],
  // icon buttons named from their icon classes
  '/widgets/mail': [{ role: 'button', name: 'star' }, { role: 'button', name: 'reply' }, { role: 'button', name: 'forward' }, { role: 'button', name: 'trash' }],
  '/widgets/files': [{ role: 'treeitem', name: 'Finance', attribute: /level=1 collapsed/ }, { role: 'treeitem', name: 'README.txt', attribute: /level=1/ }, { role: 'button', name: 'Open' }],
  // the exact value, leading and trailing spaces visible
  '/widgets/copy-code': [{ role: 'textbox', name: 'Your code', attribute: /^value="  KX-7 4Q  " readonly$/ }, { role: 'textbox', name: 'Enter the code' }, { role: 'button', name: 'Verify' }],
  '/widgets/plan-picker': [{ role: 'clickable', name: /^Select a plan/ }, { role: 'button', name: 'Continue' }],
  '/widgets/help': [{ role: 'clickable', name: /^Refunds/ }, { role: 'clickable', name: /^Warranty/ }],
  // icon spans inside a web component's open shadow root, known to be clickable only by their listeners
  '/widgets/player': [{ role: 'clickable', name: 'play' }, { role: 'clickable', name: 'next' }],
  // tabs around links: one element each
  '/widgets/tabs': [{ role: 'tab', name: 'Description', attribute: /selected/ }, { role: 'tab', name: 'Reviews' }],
};

let fixtures: FixtureServer;
let pool: BrowserPool;
let taskContext: TaskContext;
let directory: string;
before(async () => {
  [fixtures, pool, directory] = await Promise.all([startFixtureServer(), BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance }), mkdtemp(join(tmpdir(), 'coverage-'))]);
  taskContext = await pool.openContext({ downloadsDirectory: directory });
});
after(async () => {
  await taskContext.close();
  await Promise.all([pool.close(), fixtures.close(), rm(directory, { recursive: true, force: true })]);
});

for (const [path, matches] of Object.entries(neededElements)) {
  test(`every element the task needs on ${path} is observed with an index`, async () => {
    await taskContext.goto(fixtures.url(path));
    const observation = await observePage(taskContext.page);
    for (const match of matches) {
      const index = findElementIndex(observation.text, match);
      assert.ok(index !== undefined, `${JSON.stringify(match, (_key, value) => (value instanceof RegExp ? String(value) : value))} missing:\n${observation.text}`);
      assert.ok(observation.elements.some((element) => element.index === index));
    }
    assert.ok(observation.tokens > 0 && observation.tokens <= 4_000);
  });
}
