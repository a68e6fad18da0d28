import assert from 'node:assert/strict';
import { test } from 'node:test';

import { IsolatedWorld, typeKeys, typeText } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('type-keys');

interface KeyLog {
  events?: string[];
}

test('typeKeys sends keydown, keypress, input and keyup per character, in order, like a person typing', async () => {
  await fixture.withTask({}, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    await task.page.evaluate(() => {
      document.body.innerHTML = '<input id="field"><textarea id="notes"></textarea>';
      const log = ((window as unknown as KeyLog).events = [] as string[]);
      for (const id of ['field', 'notes']) {
        const element = document.getElementById(id)!;
        for (const type of ['keydown', 'keypress', 'input', 'keyup']) {
          element.addEventListener(type, (event) => {
            const detail = event instanceof KeyboardEvent ? `${event.key}/${event.code}/${event.keyCode}` : (event as InputEvent).data;
            log.push(`${id} ${type} ${detail}`);
          });
        }
      }
    });
    await task.page.focus('#field');
    await typeKeys(task.page, 'aZ!');
    const events = await task.page.evaluate(() => (window as unknown as KeyLog).events ?? []);
    assert.deepEqual(events, [
      'field keydown a/KeyA/65', 'field keypress a/KeyA/97', 'field input a', 'field keyup a/KeyA/65',
      'field keydown Z/KeyZ/90', 'field keypress Z/KeyZ/90', 'field input Z', 'field keyup Z/KeyZ/90',
      'field keydown !/Digit1/49', 'field keypress !/Digit1/33', 'field input !', 'field keyup !/Digit1/49',
    ]);
    // Characters a US keyboard lacks are inserted as text; Enter in a textarea makes a line break.
    await task.page.focus('#notes');
    await typeKeys(task.page, 'café 1\nok');
    assert.equal(await task.page.inputValue('#notes'), 'café 1\nok');
    assert.equal(await task.page.inputValue('#field'), 'aZ!');
  });
});

test('keys typed at once still reach the field the page moves focus to between them (one-time code boxes)', async () => {
  await fixture.withTask({}, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    await task.page.evaluate(() => {
      document.body.innerHTML = [0, 1, 2, 3].map((box) => `<input class="digit" id="digit-${box}" maxlength="1">`).join('');
      const boxes = Array.from(document.querySelectorAll<HTMLInputElement>('.digit'));
      boxes.forEach((box, position) => box.addEventListener('input', () => boxes[position + 1]?.focus()));
    });
    await task.page.focus('#digit-0');
    await typeKeys(task.page, '4821');
    const digits = await task.page.evaluate(() => Array.from(document.querySelectorAll<HTMLInputElement>('.digit')).map((box) => box.value));
    assert.deepEqual(digits, ['4', '8', '2', '1']);
  });
});

test('typeText inserts long text at once only where no script listens to typing; a listener anywhere, even one added on focus, gets real keys', async () => {
  await fixture.withTask({}, async (task) => {
    const page = task.page;
    const frameId = await (await IsolatedWorld.for(page)).mainFrameId();
    const target = { frameId, insertable: true };
    await task.goto(`${fixture.site.origin}/`);
    await page.evaluate(() => void (document.body.innerHTML = '<input id="plain">'));
    await page.focus('#plain');
    assert.equal(await typeText(page, 'London Heathrow', target), 'inserted');
    assert.equal(await page.inputValue('#plain'), 'London Heathrow');
    // Too short to be worth the check, or a field where insertion is not the same: keys.
    await page.fill('#plain', '');
    assert.equal(await typeText(page, 'Bob', target), 'keys');
    assert.equal(await typeText(page, 'London', { frameId, insertable: false }), 'keys');

    // A listener on the window, on the document, on an unrelated element, or added when the field takes focus.
    const setups: Array<() => void> = [
      () => window.addEventListener('keydown', () => undefined),
      () => document.addEventListener('selectionchange', () => undefined),
      () => document.getElementById('other')!.addEventListener('input', () => undefined),
      () => document.getElementById('field')!.addEventListener('focus', () => document.getElementById('field')!.addEventListener('keyup', () => undefined), { once: true }),
    ];
    for (const setup of setups) {
      await task.goto(`${fixture.site.origin}/`);
      await page.evaluate(() => void (document.body.innerHTML = '<input id="field"><div id="other"></div>'));
      await page.evaluate(setup);
      await page.focus('#field');
      assert.equal(await typeText(page, 'London Heathrow', target), 'keys', String(setup));
      assert.equal(await page.inputValue('#field'), 'London Heathrow');
    }
  });
});
