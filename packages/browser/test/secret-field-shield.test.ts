import assert from 'node:assert/strict';
import { test } from 'node:test';

import { IsolatedWorld, shieldSecretField, type TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('secret-field-shield');

/** Runs shieldSecretField on #field in our isolated world, as the agent's `type` does. */
async function shield(task: TaskContext, shielded: boolean): Promise<void> {
  const world = await IsolatedWorld.for(task.page);
  const source = `(shielded) => { const __name = (target) => target; (${shieldSecretField.toString()})(document.getElementById('field'), shielded); }`;
  await world.call(await world.mainFrameId(), source, shielded);
}

function textSecurity(task: TaskContext): Promise<string> {
  return task.page.evaluate(() => getComputedStyle(document.getElementById('field')!).getPropertyValue('-webkit-text-security'));
}

test('a shielded field draws discs, gets them back when the page rewrites its style, and gets its own style back after', async () => {
  await fixture.withTask({}, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    await task.page.evaluate(() => {
      document.body.insertAdjacentHTML('beforeend', '<input id="field" style="color: red">');
    });
    const globalsBefore = await task.page.evaluate(() => Object.getOwnPropertyNames(window).length);
    await shield(task, true);
    assert.equal(await textSecurity(task), 'disc');
    // A framework that rewrites the style attribute: the disc is back before anything paints.
    const afterRewrite = await task.page.evaluate(async () => {
      const field = document.getElementById('field')!;
      field.setAttribute('style', 'color: blue');
      await Promise.resolve();
      return { security: getComputedStyle(field).getPropertyValue('-webkit-text-security'), colour: field.style.color };
    });
    assert.deepEqual(afterRewrite, { security: 'disc', colour: 'blue' });
    assert.equal(await task.page.evaluate(() => Object.getOwnPropertyNames(window).length), globalsBefore, 'the page sees a new global');
    await shield(task, false);
    assert.equal(await textSecurity(task), 'none');
    assert.equal(await task.page.evaluate(() => document.getElementById('field')!.getAttribute('style')), 'color: blue;');
  });
});
