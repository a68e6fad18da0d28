import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { defaultRecipe, isDefaultRecipe, recipeKey, contextRecipeFrom } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('context-recipe');

test('recipe keys: the default recipe is keyed by its device; a secret never appears in a key', () => {
  assert.equal(recipeKey(defaultRecipe('mobile')), 'mobile');
  assert.ok(isDefaultRecipe(contextRecipeFrom({ device: 'desktop' })));
  const proxied = contextRecipeFrom({ device: 'desktop', proxy: { server: 'http://127.0.0.1:9', username: 'user', password: 'hunter2-secret' } });
  assert.ok(!isDefaultRecipe(proxied));
  assert.ok(!recipeKey(proxied).includes('hunter2'), 'the proxy password is digested, not kept in the key');
  const otherPassword = contextRecipeFrom({ device: 'desktop', proxy: { server: 'http://127.0.0.1:9', username: 'user', password: 'other' } });
  assert.notEqual(recipeKey(proxied), recipeKey(otherPassword));
  assert.equal(
    recipeKey(contextRecipeFrom({ extensionDirectories: ['/b', '/a'] })),
    recipeKey(contextRecipeFrom({ extensionDirectories: ['/a', '/b'] })),
    'the same extension set in another order is the same recipe',
  );
});

test('a recipe with a storage state gets a context built for it, holding that state, never a warm one', async () => {
  const { pool, site } = fixture;
  await pool.whenWarm();
  const warmContexts = new Set(pool.browser.contexts());
  const storageState = {
    cookies: [{ name: 'kept', value: 'from-profile', domain: '127.0.0.1', path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' as const }],
    origins: [{ origin: site.origin, localStorage: [{ name: 'note', value: 'saved earlier' }] }],
  };
  await fixture.withTask({ storageState, startUrl: `${site.origin}/` }, async (task) => {
    assert.ok(!warmContexts.has(task.context), 'not a context created before the call');
    assert.equal(task.prewarmed, false);
    const seen = await task.page.evaluate(() => ({ cookie: document.cookie, note: localStorage.getItem('note') }));
    assert.deepEqual(seen, { cookie: 'kept=from-profile', note: 'saved earlier' });
    await task.page.evaluate(() => localStorage.setItem('note', 'changed in this task'));
    const captured = await task.captureStorageState();
    const origin = captured.origins.find((entry) => entry.origin === site.origin);
    assert.deepEqual(origin?.localStorage, [{ name: 'note', value: 'changed in this task' }]);
  });
  assert.equal(pool.readyCount('desktop'), 1, 'the warm context is still there for a default task');
});

test('a wiped context is reused only by the same scope with the same recipe', async () => {
  const { pool, site, downloadsRoot } = fixture;
  const noAdblock = { adblock: false } as const;
  const first = await pool.openContext({ ...noAdblock, downloadsDirectory: join(downloadsRoot, 'recipe-1'), reuseScope: 'tenant-r' });
  const context = first.context;
  await first.goto(`${site.origin}/`);
  await first.close({ reuse: true });
  await pool.whenWarm();
  assert.equal(pool.reusableCount('desktop', 'tenant-r', contextRecipeFrom(noAdblock)), 1);
  assert.equal(pool.reusableCount('desktop', 'tenant-r'), 0, 'not kept for the default recipe');
  const defaultTask = await pool.openContext({ downloadsDirectory: join(downloadsRoot, 'recipe-2'), reuseScope: 'tenant-r' });
  const otherTenant = await pool.openContext({ ...noAdblock, downloadsDirectory: join(downloadsRoot, 'recipe-3'), reuseScope: 'tenant-s' });
  const sameRecipe = await pool.openContext({ ...noAdblock, downloadsDirectory: join(downloadsRoot, 'recipe-4'), reuseScope: 'tenant-r' });
  try {
    assert.notEqual(defaultTask.context, context, 'a default-recipe task of the same tenant does not get it');
    assert.notEqual(otherTenant.context, context, 'another tenant with the same recipe does not get it');
    assert.equal(sameRecipe.context, context, 'the same tenant with the same recipe does');
    assert.equal(sameRecipe.recipe.adblock, false);
  } finally {
    await Promise.all([defaultTask.close(), otherTenant.close(), sameRecipe.close()]);
  }
});
