import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { chromiumLaunchOptions } from '@open-smooth/browser';
import { findElementIndex } from '@open-smooth/testkit';
import { observePage } from '../src/index.js';

let browser: Browser;
before(async () => {
  browser = await chromium.launch(chromiumLaunchOptions());
});
after(async () => {
  await browser.close();
});

test('when the budget cuts a long page, the controls that continue it (Next, Load more) are still listed', async () => {
  const page = await browser.newPage();
  const rows = Array.from({ length: 400 }, (_, index) => `<tr><td>Flight ${index + 1}</td><td>£${100 + index}</td><td><a href="/book/${index}">Book</a></td></tr>`).join('');
  await page.setContent(`<h1>Results</h1><table>${rows}</table>
    <nav><a href="?page=1">Previous</a> <a href="?page=2">2</a> <a href="?page=3">3</a> <a href="?page=2">Next page</a></nav>
    <button>Load more flights</button><a href="/reviews">12 reviews</a>`);
  const observation = await observePage(page, { tokenBudget: 1_500 });
  assert.ok(observation.truncated, 'the page does not fit the budget');
  assert.ok(observation.tokens <= 1_500);
  for (const name of ['Next page', 'Previous', '3', 'Load more flights']) {
    assert.notEqual(findElementIndex(observation.text, { name }), undefined, `${name} missing:\n${observation.text.slice(-600)}`);
  }
  assert.equal(findElementIndex(observation.text, { name: '12 reviews' }), undefined, 'ordinary links below the cut stay cut');
  await page.close();
});
