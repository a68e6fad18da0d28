import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('visible-cursor', { warmDevices: ['desktop'] });

/** A 40×40 square of the page around a point, as a PNG. */
function around(task: TaskContext, x: number, y: number): Promise<Buffer> {
  return task.page.screenshot({ clip: { x: x - 5, y: y - 5, width: 40, height: 40 } });
}

/** Clicks an empty spot of the home page; returns the square around it before and after. */
async function clickEmptySpot(showCursor: boolean) {
  const point = { x: 600, y: 400 };
  let result: { before: Buffer; after: Buffer; pageSees: unknown } | undefined;
  await fixture.withTask({ device: 'desktop', showCursor }, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    const before = await around(task, point.x, point.y);
    await task.page.mouse.click(point.x, point.y);
    // The pointer is drawn on the next frame after the mouse event.
    await task.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const after = await around(task, point.x, point.y);
    // What the page's own scripts can find of it: no global, no open shadow root, nothing at the point.
    const pageSees = await task.page.evaluate(({ x, y }) => ({
      openShadowRoots: [...document.querySelectorAll('*')].filter((element) => element.shadowRoot !== null).length,
      atPoint: document.elementFromPoint(x, y)?.tagName,
      globals: Object.keys(window).filter((name) => /cursor|smooth/i.test(name)),
    }), point);
    result = { before, after, pageSees };
  });
  assert.ok(result);
  return result;
}

describe('show_cursor', () => {
  it('on: a pointer is drawn at the click point, in screenshots, where the page cannot reach it', async () => {
    const { before, after, pageSees } = await clickEmptySpot(true);
    assert.notDeepEqual(after, before, 'the square around the click point changed: the pointer is there');
    assert.deepEqual(pageSees, { openShadowRoots: 0, atPoint: 'HTML', globals: [] });
  });

  it('off: nothing is drawn', async () => {
    const { before, after } = await clickEmptySpot(false);
    assert.deepEqual(after, before);
  });
});
