import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromiumLaunchOptions } from '@open-smooth/browser';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import {
  countTokens,
  ElementNotFoundError,
  observePage,
  resolveElement,
  StaleElementError,
  type Observation,
  type ObservedElement,
} from '../src/observation/index.js';

const elementLinePattern = /^\s*\*?\[(\d+)\]\s+(\S+)(?:\s+"((?:[^"\\]|\\.)*)")?(.*)$/;

/** Pages of the fixture site; `{{child}}` is the same server under another origin (localhost vs 127.0.0.1). */
const sitePages: Record<string, string> = {
  '/scroll-and-pixels': `<!doctype html><title>Chat</title>
    <div id="thread" aria-label="Messages" style="height:120px;overflow-y:auto;border:1px solid #ccc">
      ${Array.from({ length: 30 }, (_unused, position) => `<p>Message ${position + 1}</p>`).join('')}
    </div>
    <canvas id="chart" width="300" height="150"></canvas>
    <img alt="Floor plan of the flat" width="200" height="140" src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">`,
  '/frames': `<!doctype html><title>Frames</title>
    <h1>Checkout</h1>
    <p id="main-result">main: none</p>
    <button onclick="document.getElementById('main-result').textContent = 'main: clicked'">Main pay</button>
    <iframe src="/same-origin-child" title="Same origin" style="height:160px"></iframe>
    <iframe src="{{child}}/cross-origin-child" title="Cross origin" style="height:160px"></iframe>
    <div id="outer-host"></div>
    <script>
      const outer = document.getElementById('outer-host').attachShadow({ mode: 'open' });
      outer.innerHTML = '<p>Outer shadow text</p><div id="inner-host"></div>';
      const inner = outer.getElementById('inner-host').attachShadow({ mode: 'open' });
      inner.innerHTML = '<p id="shadow-result">shadow: none</p><button>Deep shadow pay</button>';
      inner.querySelector('button').addEventListener('click', () => {
        inner.getElementById('shadow-result').textContent = 'shadow: clicked';
      });
    </script>`,
  '/same-origin-child': `<!doctype html><p id="result">same: none</p>
    <button onclick="document.getElementById('result').textContent = 'same: clicked'">Same origin pay</button>`,
  '/cross-origin-child': `<!doctype html><p id="result">cross: none</p>
    <button onclick="document.getElementById('result').textContent = 'cross: clicked'">Cross origin pay</button>`,
  '/hidden': `<!doctype html><title>Hidden</title>
    <button>Visible button</button>
    <div style="display:none"><button>Display none button</button></div>
    <button style="visibility:hidden">Visibility hidden button</button>
    <div aria-hidden="true"><button>Aria hidden button</button></div>
    <div inert><button>Inert button</button></div>
    <button style="width:0;height:0;padding:0;border:0;overflow:hidden">Zero size button</button>
    <div style="position:relative;width:300px">
      <button style="width:200px">Covered button</button>
      <div style="position:absolute;inset:0;background:white"></div>
    </div>
    <button style="position:relative;width:200px;height:40px">
      <span style="position:absolute;inset:0;background:#eee">Button covered by its own child</span>
    </button>`,
  '/state': `<!doctype html><title>State</title>
    <label>Full name <input id="name" value="Ada Lovelace"></label>
    <label><input type="checkbox" id="subscribe"> Subscribe to news</label>
    <label for="country">Country</label>
    <select id="country"><option>United Kingdom</option><option selected>France</option><option>Spain</option></select>
    <label>Notes <textarea id="notes"></textarea></label>
    <p>Total: 42 EUR</p>`,
  '/labels': `<!doctype html><title>Labels</title>
    <style>.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}</style>
    <label><input type="checkbox" name="terms"> Accept the terms</label>
    <input type="checkbox" id="fancy" class="visually-hidden"><label for="fancy" style="cursor:pointer">Fancy toggle</label>
    <p id="fancy-state"></p>
    <script>document.getElementById('fancy').addEventListener('change', (event) => {
      document.getElementById('fancy-state').textContent = 'fancy: ' + event.target.checked;
    });</script>`,
  '/menu': `<!doctype html><title>Menu</title>
    <style>.menu ul { display: none } .menu:hover > ul { display: block }</style>
    <ul><li class="menu"><a href="/products">Products</a><ul><li><a href="/laptops">Laptops</a></li></ul></li></ul>`,
  '/grow': `<!doctype html><title>Grow</title>
    <button onclick="const b = document.createElement('button'); b.textContent = 'Added later'; document.body.append(b)">Add a button</button>
    <button onclick="this.replaceWith(Object.assign(document.createElement('button'), { textContent: 'Replaced' }))">Replace me</button>`,
  '/scroller': `<!doctype html><title>Scroller</title>
    <div style="height:60px;overflow:auto"><p style="height:40px">Top of the list</p><p style="height:400px"></p><button>Deep in the list</button></div>
    <div style="height:60px;overflow:hidden"><p style="height:400px"></p><button>Cut off for good</button></div>`,
  '/dialog': `<!doctype html><title>Dialog</title><button>Behind the dialog</button>
    <dialog id="consent"><p>We use cookies.</p><button>Accept cookies</button></dialog>
    <div style="height:2000px"></div><button>Far below the dialog</button>
    <script>document.getElementById('consent').showModal()</script>`,
  '/other': `<!doctype html><title>Other</title><button>Somewhere else</button>`,
  '/tricky-text': `<!doctype html><title>Tricky</title><p>[3] not an element</p><button>Real one</button>`,
  '/form': `<!doctype html><title>Long form</title><form>${Array.from(
    { length: 60 },
    (_, index) => `<div><label for="field-${index + 1}">Field number ${index + 1} of the application</label>
      <input id="field-${index + 1}" name="field${index + 1}" placeholder="Enter value ${index + 1}" required></div>`,
  ).join('')}<button>Submit application</button></form>`,
  '/table': `<!doctype html><title>Results</title><h1>500 results</h1><table>
    <tr><th>Flight</th><th>From</th><th>To</th><th>Price</th><th></th></tr>
    ${Array.from(
      { length: 500 },
      (_, index) =>
        `<tr><td>Flight OS${1000 + index}</td><td>London Heathrow</td><td>Paris Charles de Gaulle</td><td>${100 + index} EUR</td><td><button>Select OS${1000 + index}</button></td></tr>`,
    ).join('')}</table>`,
};

let server: Server;
let browser: Browser;
let origin: string;
let childOrigin: string;

before(async () => {
  server = createServer((request, response) => {
    const body = sitePages[(request.url ?? '/').split('?')[0] ?? '/'];
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body.replaceAll('{{child}}', childOrigin));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  childOrigin = `http://localhost:${port}`;
  // The product's switches: cross-origin iframes share their page's renderer, as in production.
  browser = await chromium.launch(chromiumLaunchOptions());
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(origin + path, { waitUntil: 'load' });
  return page;
}

function elementNamed(observation: Observation, name: string): ObservedElement {
  const element = observation.elements.find((candidate) => candidate.name === name);
  assert.ok(element, `"${name}" should be listed in:\n${observation.text}`);
  return element;
}

function elementLines(observation: Observation): string[] {
  return observation.text.split('\n').filter((line) => elementLinePattern.test(line));
}

function frameWithUrl(page: Page, path: string): Frame {
  const frame = page.frames().find((candidate) => candidate.url().endsWith(path));
  assert.ok(frame, `frame ${path} should be loaded`);
  return frame;
}

async function textOf(frame: Frame, selector: string): Promise<string> {
  return frame.locator(selector).innerText();
}

test('lists buttons inside same-origin and cross-origin iframes and nested open shadow roots, and clicks the right one', async () => {
  const page = await openPage('/frames');
  try {
    const observation = await observePage(page);
    const names = ['Main pay', 'Same origin pay', 'Cross origin pay', 'Deep shadow pay'];
    const indices = names.map((name) => elementNamed(observation, name).index);
    assert.equal(new Set(indices).size, names.length, 'indices are distinct');
    for (const [position, name] of names.entries()) {
      assert.ok(observation.text.split('\n').some((line) => line.trim() === `[${indices[position]}] button ${JSON.stringify(name)}`), name);
    }
    assert.match(observation.text, /iframe "Cross origin"\n\s+cross: none\n\s+\[\d+\] button "Cross origin pay"/);
    assert.ok(elementNamed(observation, 'Cross origin pay').frameUrl.startsWith(childOrigin));
    assert.match(observation.text, /Outer shadow text/);

    await (await resolveElement(page, observation, elementNamed(observation, 'Cross origin pay').index)).click();
    assert.equal(await textOf(frameWithUrl(page, '/cross-origin-child'), '#result'), 'cross: clicked');
    assert.equal(await textOf(frameWithUrl(page, '/same-origin-child'), '#result'), 'same: none');
    assert.equal(await textOf(page.mainFrame(), '#main-result'), 'main: none');

    await (await resolveElement(page, observation, elementNamed(observation, 'Same origin pay').index)).click();
    assert.equal(await textOf(frameWithUrl(page, '/same-origin-child'), '#result'), 'same: clicked');

    await (await resolveElement(page, observation, elementNamed(observation, 'Deep shadow pay').index)).click();
    assert.equal(await page.locator('#shadow-result').innerText(), 'shadow: clicked');
    assert.equal(await textOf(page.mainFrame(), '#main-result'), 'main: none');

    await (await resolveElement(page, observation, elementNamed(observation, 'Main pay').index)).click();
    assert.equal(await textOf(page.mainFrame(), '#main-result'), 'main: clicked');
  } finally {
    await page.close();
  }
});

test('an inner scroll area says how much it hides and where; canvas and described images are mentioned', async () => {
  const page = await openPage('/scroll-and-pixels');
  try {
    await page.evaluate(() => document.getElementById('thread')?.scrollBy(0, 200));
    const observation = await observePage(page);
    assert.match(observation.text, /\[scroll area "Messages": more content 200px above, \d+px below; scroll inside it to see it\]/);
    assert.match(observation.text, /\[canvas 300×150: drawn pixels, not text; a screenshot shows it\]/);
    assert.match(observation.text, /\[image "Floor plan of the flat"\]/);
  } finally {
    await page.close();
  }
});

test('hidden, covered, aria-hidden and inert elements are left out', async () => {
  const page = await openPage('/hidden');
  try {
    const observation = await observePage(page);
    const names = observation.elements.map((element) => element.name);
    assert.deepEqual(names, ['Visible button', 'Button covered by its own child']);
    for (const hidden of ['Display none', 'Visibility hidden', 'Aria hidden', 'Inert', 'Zero size', 'Covered button']) {
      assert.ok(!observation.text.includes(hidden), `${hidden} should not be in:\n${observation.text}`);
    }
  } finally {
    await page.close();
  }
});

test('an open modal dialog hides the page behind it', async () => {
  const page = await openPage('/dialog');
  try {
    const observation = await observePage(page);
    assert.deepEqual(observation.elements.map((element) => element.name), ['Accept cookies']);
    assert.match(observation.text, /We use cookies\./);
    assert.ok(!observation.text.includes('Behind the dialog'));
    assert.ok(!observation.text.includes('Far below the dialog'));
  } finally {
    await page.close();
  }
});

test('an element scrolled out of a scroll container is listed outside the viewport; one clipped by overflow:hidden is not', async () => {
  const page = await openPage('/scroller');
  try {
    const observation = await observePage(page);
    assert.equal(elementNamed(observation, 'Deep in the list').inViewport, false);
    assert.ok(!observation.text.includes('Cut off for good'), observation.text);
    await (await resolveElement(page, observation, elementNamed(observation, 'Deep in the list').index)).scrollIntoViewIfNeeded();
    assert.equal(elementNamed(await observePage(page), 'Deep in the list').inViewport, true);
  } finally {
    await page.close();
  }
});

test("shows an element's value, checked state and selected option as the user changes them", async () => {
  const page = await openPage('/state');
  try {
    const before = await observePage(page);
    assert.match(elementNamed(before, 'Full name').line, /^\[\d+\] textbox "Full name" value="Ada Lovelace"$/);
    assert.match(elementNamed(before, 'Subscribe to news').line, /^\[\d+\] checkbox "Subscribe to news"$/);
    assert.match(elementNamed(before, 'Country').line, /value="France" options=\["United Kingdom","France","Spain"\]/);
    assert.match(before.text, /Total: 42 EUR/);

    await page.fill('#name', 'Grace "Amazing" Hopper');
    await page.check('#subscribe');
    await page.selectOption('#country', 'Spain');
    await page.fill('#notes', 'Window seat');
    const after = await observePage(page, { previous: before });
    assert.match(elementNamed(after, 'Full name').line, /value="Grace \\"Amazing\\" Hopper"/);
    assert.match(elementNamed(after, 'Subscribe to news').line, / checked$/);
    assert.match(elementNamed(after, 'Country').line, /value="Spain"/);
    assert.match(elementNamed(after, 'Notes').line, /value="Window seat"/);
    assert.equal(after.signature, before.signature, 'values and states do not change the signature');
    assert.ok(after.elements.every((element) => !element.isNew));
  } finally {
    await page.close();
  }
});

test('a label-wrapped checkbox is listed once, and a visually hidden one is usable through its label', async () => {
  const page = await openPage('/labels');
  try {
    const observation = await observePage(page);
    const terms = observation.text.split('\n').filter((line) => line.includes('Accept the terms'));
    assert.equal(terms.length, 1, observation.text);
    assert.match(terms[0] ?? '', /^\[\d+\] checkbox "Accept the terms"$/);
    assert.equal(observation.text.split('\n').filter((line) => line.includes('Fancy toggle')).length, 1, observation.text);

    await (await resolveElement(page, observation, elementNamed(observation, 'Accept the terms').index)).click();
    assert.equal(await page.isChecked('input[name=terms]'), true);
    await (await resolveElement(page, observation, elementNamed(observation, 'Fancy toggle').index)).click();
    assert.equal(await page.locator('#fancy-state').innerText(), 'fancy: true');
    assert.match(elementNamed(await observePage(page), 'Fancy toggle').line, / checked$/);
  } finally {
    await page.close();
  }
});

test('a 60-field form stays inside the token budget and lists the fields in the viewport', async () => {
  const page = await openPage('/form');
  try {
    for (const tokenBudget of [4000, 1200]) {
      const observation = await observePage(page, { tokenBudget });
      assert.ok(observation.tokens <= tokenBudget, `${observation.tokens} tokens for a budget of ${tokenBudget}`);
      assert.equal(observation.tokens, countTokens(observation.text));
      const first = elementNamed(observation, 'Field number 1 of the application');
      assert.equal(first.inViewport, true);
      assert.match(first.line, /textbox "Field number 1 of the application" placeholder="Enter value 1" required/);
      const viewportFields = await page.evaluate(
        () =>
          Array.from(document.querySelectorAll('input')).filter((input) => {
            const rect = input.getBoundingClientRect();
            return rect.bottom > 0 && rect.top < innerHeight;
          }).length,
      );
      assert.ok(observation.elements.filter((element) => element.inViewport).length >= viewportFields);
      if (observation.truncated) assert.match(observation.text, /left out .*below the viewport.*Scroll/);
    }
    const small = await observePage(page, { tokenBudget: 1200 });
    assert.equal(small.truncated, true);
  } finally {
    await page.close();
  }
});

test('a 500-row table stays inside the budget, viewport-first, and scrolling brings later rows in', async () => {
  const page = await openPage('/table');
  try {
    const top = await observePage(page);
    assert.ok(top.tokens <= 4000, `${top.tokens} tokens`);
    assert.equal(top.truncated, true);
    assert.match(top.text, /^\[page continues \d+px below the viewport\]$/m);
    assert.match(top.text, /^\| Flight OS1000 \| London Heathrow \| Paris Charles de Gaulle \| 100 EUR \| Select OS1000 \|$/m);
    assert.match(elementNamed(top, 'Select OS1000').line, /^\[\d+\] button "Select OS1000"$/);
    assert.ok(!top.text.includes('OS1499'));
    assert.match(top.text, /\[… left out to fit the page view: \d+ elements and \d+ text lines below the viewport\. Scroll to see them\.\]$/);

    await page.evaluate(() => {
      const row = Array.from(document.querySelectorAll('tr')).find((candidate) => candidate.textContent?.includes('OS1250'));
      row?.scrollIntoView({ block: 'center' });
    });
    const middle = await observePage(page, { previous: top });
    assert.ok(middle.tokens <= 4000);
    assert.equal(elementNamed(middle, 'Select OS1250').inViewport, true);
    assert.match(middle.text, /^\[page continues \d+px above, \d+px below the viewport\]$/m);
    assert.match(middle.text, /above the viewport/);
  } finally {
    await page.close();
  }
});

test('an index from before a navigation or a re-render is stale; an unknown index is not found', async () => {
  const page = await openPage('/grow');
  try {
    const observation = await observePage(page);
    const replaceMe = elementNamed(observation, 'Replace me');
    await (await resolveElement(page, observation, replaceMe.index)).click();
    await assert.rejects(resolveElement(page, observation, replaceMe.index), StaleElementError);
    await assert.rejects(resolveElement(page, observation, 99), (error: unknown) => {
      assert.ok(error instanceof ElementNotFoundError);
      assert.match(error.message, /\[99\].*from 1 to 2/);
      return true;
    });

    const addButton = elementNamed(observation, 'Add a button');
    await page.goto(`${origin}/other`);
    await assert.rejects(resolveElement(page, observation, addButton.index), (error: unknown) => {
      assert.ok(error instanceof StaleElementError);
      assert.match(error.message, /new page view/);
      return true;
    });
    const other = await observePage(page);
    assert.equal(elementNamed(other, 'Somewhere else').index, 1);
  } finally {
    await page.close();
  }
});

test('marks elements that are new since the previous observation with *', async () => {
  const page = await openPage('/grow');
  try {
    const first = await observePage(page);
    assert.ok(!/^\s*\*\[/m.test(first.text), 'nothing is new without a previous observation');
    await (await resolveElement(page, first, elementNamed(first, 'Add a button').index)).click();
    const second = await observePage(page, { previous: first });
    const added = elementNamed(second, 'Added later');
    assert.equal(added.isNew, true);
    assert.match(added.line, /^\*\[3\] button "Added later"$/);
    assert.equal(elementNamed(second, 'Add a button').isNew, false);
    assert.equal(elementLines(second).filter((line) => line.trimStart().startsWith('*')).length, 1);
    assert.notEqual(second.signature, first.signature);
    // indices of the older observation still resolve while their elements are on the page
    await (await resolveElement(page, first, elementNamed(first, 'Add a button').index)).click();
    assert.equal(await page.locator('button', { hasText: 'Added later' }).count(), 2);
  } finally {
    await page.close();
  }
});

test('a hover menu trigger says so, and its items show once hovered', async () => {
  const page = await openPage('/menu');
  try {
    const closed = await observePage(page);
    assert.match(elementNamed(closed, 'Products').line, /link "Products" href=\/products hover-menu/);
    assert.ok(!closed.text.includes('Laptops'));
    await (await resolveElement(page, closed, elementNamed(closed, 'Products').index)).hover();
    const open = await observePage(page, { previous: closed });
    assert.equal(elementNamed(open, 'Laptops').isNew, true);
  } finally {
    await page.close();
  }
});

test('every element line parses, and page text never does', async () => {
  const page = await openPage('/tricky-text');
  try {
    const observation = await observePage(page);
    const lines = elementLines(observation);
    assert.equal(lines.length, observation.elements.length);
    for (const [position, line] of lines.entries()) {
      const match = elementLinePattern.exec(line);
      assert.equal(Number(match?.[1]), position + 1);
    }
    assert.match(observation.text, /^\\\[3\] not an element$/m);
    assert.match(observation.text, /^url: http:\/\/127\.0\.0\.1:\d+\/tricky-text\ntitle: Tricky\n\\\[3\] not an element$/m, 'a page that fits the viewport has no scroll line');
    assert.doesNotMatch(observation.text, /page continues/);
  } finally {
    await page.close();
  }
});
