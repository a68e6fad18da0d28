import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { AgentHarness } from './support/agent-harness.js';
import { call, oneBatchThenDone, pagePolicy } from './support/policies.js';

/** Pages that exercise the quick click/type paths and the cases that must fall back to Playwright. */
const pages: Record<string, string> = {
  '/far': `<!doctype html><title>Far</title>
    <p id="log">none</p>
    <div style="height:2400px">Spacer</div>
    <button onclick="document.getElementById('log').textContent = 'far clicked'">Far button</button>
    <div style="height:1200px">More spacer</div>`,
  '/framed': `<!doctype html><title>Framed</title>
    <p>Above the frame</p>
    <iframe src="/frame-child" title="Offset frame" style="border:17px solid #ccc;padding:23px;margin-left:41px;width:400px;height:200px"></iframe>
    <iframe src="/frame-child?scaled" title="Scaled frame" style="transform:scale(0.5);transform-origin:0 0;width:400px;height:200px"></iframe>`,
  '/frame-child': `<!doctype html><p id="log">frame none</p>
    <div style="height:60px"></div>
    <button style="margin-left:150px;width:30px;height:20px;padding:0;font-size:6px" onclick="document.getElementById('log').textContent = 'frame clicked'; parent.postMessage(location.search || 'plain', '*')">Frame button</button>`,
  '/fields': `<!doctype html><title>Fields</title>
    <label>Name <input id="name" value="old name"></label>
    <label>Age <input id="age" type="number" value="1"></label>
    <label>Notes <textarea id="notes">old notes</textarea></label>
    <div contenteditable="true" id="editor" aria-label="Editor">old text</div>
    <p id="events">events:</p>
    <script>
      const events = document.getElementById('events');
      document.getElementById('name').addEventListener('input', (event) => { events.textContent += ' input:' + event.isTrusted; });
      document.getElementById('name').addEventListener('keydown', (event) => { if (event.key === 'Enter') events.textContent += ' enter'; });
    </script>`,
  '/checked': `<!doctype html><title>Checked</title>
    <label>Letters only <input id="letters"></label>
    <label>Zip <input id="zip" maxlength="5"></label>
    <label>Phone <input id="phone"></label>
    <script>
      document.getElementById('letters').addEventListener('input', (event) => { event.target.value = event.target.value.replace(/[0-9]/g, ''); });
      document.getElementById('phone').addEventListener('input', (event) => {
        const digits = event.target.value.replace(/\\D/g, '').slice(0, 10);
        event.target.value = digits.length > 6 ? '(' + digits.slice(0, 3) + ') ' + digits.slice(3, 6) + '-' + digits.slice(6) : digits;
      });
    </script>`,
  '/batch': `<!doctype html><title>Batch</title>
    <label>Email <input id="email"></label>
    <p id="hint"></p>
    <button onclick="const b = document.createElement('button'); b.textContent = 'Remove row'; document.body.append(b)">Add row</button>
    <button onclick="document.getElementById('hint').textContent = 'saved ' + document.getElementById('email').value">Save</button>
    <script>
      // Typing reveals a help link: a plain text field, so the batch goes on without re-observing.
      document.getElementById('email').addEventListener('input', () => {
        if (!document.getElementById('help')) { const a = document.createElement('a'); a.id = 'help'; a.href = '#help'; a.textContent = 'Email help'; document.body.append(a); }
      });
    </script>`,
};

let site: Server;
let siteUrl: (path: string) => string;
let harness: AgentHarness;

before(async () => {
  site = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = pages[path];
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const { port } = site.address() as AddressInfo;
  siteUrl = (path) => `http://127.0.0.1:${port}${path}`;
  harness = await AgentHarness.start();
});

after(async () => {
  await harness.close();
  await new Promise<void>((resolve) => site.close(() => resolve()));
});

test('a click reaches a button far below the fold', async () => {
  const policy = oneBatchThenDone((page) => [call('click', { index: page.index({ role: 'button', name: 'Far button' }) })]);
  const { result, taskContext } = await harness.run('Click the far button', policy, { startUrl: siteUrl('/far'), keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    assert.equal(result.steps[0]?.actions[0]?.ok, true, result.steps[0]?.actions[0]?.result);
    assert.equal(await taskContext.page.locator('#log').textContent(), 'far clicked');
  } finally {
    await taskContext.close();
  }
});

test('clicks land inside a bordered, padded, offset iframe and inside a scaled one', async () => {
  const clicked: string[] = [];
  let clicks = 0;
  const policy = pagePolicy([
    (page) => {
      if (clicks >= 2) return [call('done', { answer: 'ok' })];
      const line = page.text.split('\n').filter((candidate) => candidate.includes('"Frame button"'))[clicks];
      clicks += 1;
      return [call('click', { index: Number(/\[(\d+)\]/.exec(line ?? '')?.[1]) })];
    },
  ]);
  const { result, taskContext } = await harness.run('Click both frame buttons', policy, { startUrl: siteUrl('/framed'), keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    const actions = result.steps.flatMap((step) => step.actions).filter((action) => action.name === 'click');
    assert.equal(actions.length, 2);
    for (const action of actions) assert.equal(action.ok, true, action.result);
    for (const frame of taskContext.page.frames().slice(1)) clicked.push((await frame.locator('#log').textContent()) ?? '');
    assert.deepEqual(clicked, ['frame clicked', 'frame clicked']);
  } finally {
    await taskContext.close();
  }
});

test('type replaces the text of inputs, number inputs, textareas and contenteditable, with trusted input events, and submit presses Enter', async () => {
  const policy = oneBatchThenDone((page) => [
    call('type', { index: page.index({ role: 'textbox', name: 'Name' }), text: 'Ada Lovelace', submit: true }),
    call('type', { index: page.index({ role: 'spinbutton', name: 'Age' }), text: '36' }),
    call('type', { index: page.index({ role: 'textbox', name: 'Notes' }), text: 'first line\nsecond line' }),
    call('type', { index: page.index({ role: 'textbox', name: 'Editor' }), text: 'new text' }),
  ]);
  const { result, taskContext } = await harness.run('Fill the fields', policy, { startUrl: siteUrl('/fields'), keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    for (const action of result.steps[0]?.actions ?? []) assert.equal(action.ok, true, action.result);
    const page = taskContext.page;
    assert.equal(await page.inputValue('#name'), 'Ada Lovelace');
    assert.equal(await page.inputValue('#age'), '36');
    assert.equal(await page.inputValue('#notes'), 'first line\nsecond line');
    assert.equal(await page.locator('#editor').textContent(), 'new text');
    const events = (await page.locator('#events').textContent()) ?? '';
    assert.match(events, /input:true/, 'the input event is trusted, as from a user');
    assert.doesNotMatch(events, /input:false/);
    assert.match(events, /enter$/, 'submit pressed Enter in the field');
  } finally {
    await taskContext.close();
  }
});

test('typing into a plain field does not end a batch; a click that adds an element does', async () => {
  const policy = oneBatchThenDone((page) => [
    call('type', { index: page.index({ role: 'textbox', name: 'Email' }), text: 'ada@example.com' }),
    call('click', { index: page.index({ role: 'button', name: 'Add row' }) }),
    call('click', { index: page.index({ role: 'button', name: 'Save' }) }),
  ]);
  const { result, taskContext } = await harness.run('Save the email', policy, { startUrl: siteUrl('/batch'), keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    const actions = result.steps[0]?.actions ?? [];
    assert.deepEqual(
      actions.map((action) => action.ok),
      [true, true, false],
      actions.map((action) => action.result).join('\n'),
    );
    assert.match(actions[2]?.result ?? '', /^Skipped: the page changed before this action/);
    assert.equal(await taskContext.page.inputValue('#email'), 'ada@example.com');
    assert.equal(await taskContext.page.locator('#hint').textContent(), '', 'Save was not clicked');
    assert.equal(await taskContext.page.getByRole('button', { name: 'Remove row' }).count(), 1);
  } finally {
    await taskContext.close();
  }
});

test('a failed action stops its batch: the actions after it are reported skipped and do not run', async () => {
  const policy = oneBatchThenDone((page) => [
    call('type', { index: page.index({ role: 'textbox', name: 'Email' }), text: 'ada@example.com' }),
    // An index the page view does not have: the action fails, so Save must not be clicked.
    call('click', { index: 999 }),
    call('click', { index: page.index({ role: 'button', name: 'Save' }) }),
  ]);
  const { result, taskContext } = await harness.run('Save the email', policy, { startUrl: siteUrl('/batch'), keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    const actions = result.steps[0]?.actions ?? [];
    assert.deepEqual(actions.map((action) => action.ok), [true, false, false], actions.map((action) => action.result).join('\n'));
    assert.match(actions[1]?.result ?? '', /^Error: /);
    assert.match(actions[2]?.result ?? '', /^Skipped: action 2 \(click\) of this batch failed/);
    assert.equal(await taskContext.page.locator('#hint').textContent(), '', 'Save was not clicked');
  } finally {
    await taskContext.close();
  }
});

test('after typing, the field is read back: a rejected or cut value is an error, a formatted one is reported', async () => {
  const policy = pagePolicy([
    (page) => (page.request.lastToolResults.length === 0 ? [call('type', { index: page.index({ name: 'Letters only' }), text: 'abc123' })] : undefined),
    (page) => (page.request.lastToolResults[0]?.name === 'type' && page.request.messages.length < 6 ? [call('type', { index: page.index({ name: 'Zip' }), text: '1234567' })] : undefined),
    (page) => (page.request.messages.length < 8 ? [call('type', { index: page.index({ name: 'Phone' }), text: '5551234567' })] : undefined),
    () => [call('done', { answer: 'ok' })],
  ]);
  const { result } = await harness.run('Fill the fields', policy, { startUrl: siteUrl('/checked') });
  assert.equal(result.status, 'done', result.error);
  const [letters, zip, phone] = result.steps.map((step) => step.actions[0]);
  assert.equal(letters?.ok, false);
  assert.match(letters?.result ?? '', /holds "abc", not the text typed/);
  assert.equal(zip?.ok, false);
  assert.match(zip?.result ?? '', /took only the first 5 of 7 characters \(maxlength 5\)/);
  assert.equal(phone?.ok, true, phone?.result);
  assert.match(phone?.result ?? '', /formatted it as "\(555\) 123-4567"/);
});
