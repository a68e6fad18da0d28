import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseObservedElements } from '@open-smooth/testkit';
import { readFile } from 'node:fs/promises';
import { AgentHarness } from './support/agent-harness.js';
import { decodePng } from './support/png-pixels.js';
import { call, pagePolicy, type ObservedPage } from './support/policies.js';

/** What a person does on widget pages: key-driven consoles, date pickers, menus, drags, selections. */
let harness: AgentHarness;

before(async () => {
  harness = await AgentHarness.start();
});

after(async () => {
  await harness.close();
});

const records = () => harness.fixtures.records;

test('typing into a console that reads only key events runs the command', async () => {
  const policy = pagePolicy([
    (page) => (/maintenance window: (.*)/.test(page.text) ? [call('done', { answer: /maintenance window: (.*)/.exec(page.text)![1] })] : undefined),
    (page) => [call('type', { index: page.index({ name: 'Console input' }), text: 'cat notes.txt', submit: true })],
  ]);
  const { result } = await harness.run('Read notes.txt in the console and tell me the maintenance window', policy, { startUrl: harness.fixtures.url('/console') });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'terminal'), [{ widget: 'terminal', result: 'cat notes.txt' }]);
  assert.match(String(result.output), /Sunday 02:00-03:00 UTC/);
});

test('date, time, datetime-local, month and colour inputs take natural formats and the form is submitted', async () => {
  const policy = pagePolicy([
    (page) => (page.url.pathname === '/booking' && page.request.lastToolResults.length === 0
      ? [
          call('type', { index: page.index({ name: 'Check-in date' }), text: '01/21/2011' }),
          call('type', { index: page.index({ name: 'Arrival time' }), text: '2:37 PM' }),
          call('type', { index: page.index({ name: 'Airport pickup' }), text: 'Jan 21, 2011 9:05 AM' }),
          call('type', { index: page.index({ name: 'Card expiry month' }), text: 'March 2027' }),
          call('type', { index: page.index({ name: 'Room accent colour' }), text: 'red' }),
          call('click', { index: page.index({ role: 'button', name: 'Reserve' }) }),
        ]
      : undefined),
    () => [call('done', { answer: 'reserved' })],
  ]);
  const { result } = await harness.run('Book check-in 01/21/2011 arriving 2:37 PM', policy, { startUrl: harness.fixtures.url('/booking') });
  assert.equal(result.status, 'done', result.error);
  for (const action of result.steps[0]?.actions ?? []) assert.equal(action.ok, true, action.result);
  assert.deepEqual(
    records().formSubmissions.find((submission) => submission.form === 'booking'),
    { form: 'booking', check_in: '2011-01-21', arrival_time: '14:37', pickup: '2011-01-21T09:05', card_expiry: '2027-03', room_colour: '#ff0000' },
  );
});

test('a date the input cannot take fails with the format to use, and the batch stops before submitting', async () => {
  const submissionsBefore = records().formSubmissions.length;
  const policy = pagePolicy([
    (page) => (page.request.lastToolResults.length === 0
      ? [
          call('type', { index: page.index({ name: 'Check-in date' }), text: 'the 21st of Jan' }),
          call('click', { index: page.index({ role: 'button', name: 'Reserve' }) }),
        ]
      : undefined),
    () => [call('done', { answer: 'stopped' })],
  ]);
  const { result } = await harness.run('Book', policy, { startUrl: harness.fixtures.url('/booking') });
  assert.equal(result.status, 'done', result.error);
  const [typed, clicked] = result.steps[0]?.actions ?? [];
  assert.equal(typed?.ok, false);
  assert.match(typed?.result ?? '', /input type=date: "the 21st of Jan" is not a date such as 2011-01-21, 01\/21\/2011 or Jan 21 2011/);
  assert.doesNotMatch(typed?.result ?? '', /Malformed value/);
  assert.match(clicked?.result ?? '', /^Skipped: action 1 \(type\) of this batch failed/);
  assert.equal(records().formSubmissions.length, submissionsBefore, 'the form was not submitted');
});

test('a hover menu two levels deep is opened by hovering, then its leaf is clicked', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Opened: Notifications') ? [call('done', { answer: 'opened' })] : undefined),
    (page) => (page.has({ role: 'menuitem', name: 'Notifications' }) ? [call('click', { index: page.index({ role: 'menuitem', name: 'Notifications' }) })] : undefined),
    (page) => (page.has({ role: 'menuitem', name: /^Preferences/ }) ? [call('hover', { index: page.index({ role: 'menuitem', name: /^Preferences/ }) })] : undefined),
    (page) => [call('hover', { index: page.index({ role: 'menuitem', name: 'Account' }) })],
  ]);
  const { result } = await harness.run('Open Account > Preferences > Notifications', policy, { startUrl: harness.fixtures.url('/workspace') });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'nested-menu'), [{ widget: 'nested-menu', result: 'Account/Preferences/Notifications' }]);
});

test('drag reorders a sortable list (mouse-driven, no HTML5 drag and drop) and the order is saved', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Saved: ') ? [call('done', { answer: 'saved' })] : undefined),
    (page) => (page.request.lastToolResults.length === 0
      ? [call('drag', { from: page.index({ role: 'button', name: 'Deploy' }), to: page.index({ role: 'button', name: 'Announce' }), y: 0.1 })]
      : [call('click', { index: page.index({ role: 'button', name: 'Save order' }) })]),
  ]);
  const { result } = await harness.run('Move Deploy before Announce and save', policy, { startUrl: harness.fixtures.url('/checklist') });
  assert.equal(result.status, 'done', result.error);
  assert.match(result.steps[0]?.actions[0]?.result ?? '', /^Dragged \[\d+\] button "Deploy" onto \[\d+\] button "Announce"/);
  // The record says what the indices meant, so the step can be replayed on a fresh page.
  assert.deepEqual(result.steps[0]?.actions[0]?.elements, {
    from: { role: 'button', name: 'Deploy', tagName: 'li', frameUrl: harness.fixtures.url('/checklist') },
    to: { role: 'button', name: 'Announce', tagName: 'li', frameUrl: harness.fixtures.url('/checklist') },
  });
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'sortable'), [{ widget: 'sortable', result: 'Run tests > Tag release > Deploy > Announce' }]);
});

test('drag moves a slider without ARIA to a position along its track', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Applied') ? [call('done', { answer: 'applied' })] : undefined),
    (page) => {
      const current = /Volume: (\d+)%/.exec(page.text);
      if (!current) return undefined;
      if (current[1] === '75') return [call('click', { index: page.index({ role: 'button', name: 'Apply' }) })];
      // The track is the one unnamed clickable under the readout; the knob sits at the current value.
      const track = page.index({ role: 'clickable', name: '' });
      return [call('drag', { from: track, from_x: Number(current[1]) / 100, to: track, x: 0.75 })];
    },
  ]);
  const { result } = await harness.run('Set the volume to 75% and apply', policy, { startUrl: harness.fixtures.url('/sound') });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'slider'), [{ widget: 'slider', result: '75' }]);
});

test('select_text selects a phrase with the mouse, so a page that quotes on mouseup records it', async () => {
  const phrase = 'quarterly revenue grew by 12%';
  const selecting = pagePolicy([
    (page) => (page.text.includes(`Quoted: ${phrase}`) ? [call('done', { answer: 'quoted' })] : undefined),
    (page) => (page.request.lastToolResults.some((toolResult) => toolResult.name === 'select_text') ? [call('done', { answer: 'not quoted' })] : undefined),
    () => [call('select_text', { text: phrase })],
  ]);
  const { result } = await harness.run(`Quote "${phrase}"`, selecting, { startUrl: harness.fixtures.url('/report') });
  assert.equal(result.status, 'done', result.error);
  assert.equal(result.output, 'quoted', result.steps.map((step) => step.actions.map((action) => action.result).join(' | ')).join('\n'));
  const selection = result.steps[0]?.actions[0];
  assert.equal(selection?.result, `Selected ${JSON.stringify(phrase)} in the page.`, 'selected by the mouse, not directly');
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'highlight'), [{ widget: 'highlight', result: phrase }]);
});

/**
 * Looks at the attached screenshot: on a row through the middle of the green area, the wide runs of
 * saturated colour are the swatches left to right; returns the position (0-based) of the green one.
 */
function greenSwatchPosition(page: ObservedPage): number {
  const [image] = page.request.lastUserImages;
  if (!image?.startsWith('data:image/png;base64,')) throw new Error(`no PNG attached: ${String(image).slice(0, 40)}`);
  const png = decodePng(Buffer.from(image.slice('data:image/png;base64,'.length), 'base64'));
  const isGreen = ([red, green, blue]: [number, number, number]) => green > red + 60 && green > blue + 60;
  const isSaturated = (rgb: [number, number, number]) => Math.max(...rgb) - Math.min(...rgb) > 80;
  // The swatch body spans many rows; outlines and number labels drawn over the picture only a few.
  const greenRows: number[] = [];
  for (let y = 0; y < png.height; y += 1) {
    let count = 0;
    for (let x = 0; x < png.width; x += 1) if (isGreen(png.pixel(x, y))) count += 1;
    if (count >= 40) greenRows.push(y);
  }
  const bestRow = greenRows[Math.floor(greenRows.length / 2)] ?? 0;
  const runs: Array<{ start: number; end: number; green: boolean }> = [];
  let runStart = -1;
  for (let x = 0; x <= png.width; x += 1) {
    const inside = x < png.width && isSaturated(png.pixel(x, bestRow));
    if (inside && runStart < 0) runStart = x;
    if (!inside && runStart >= 0) {
      if (x - runStart >= 40) runs.push({ start: runStart, end: x, green: isGreen(png.pixel(Math.floor((runStart + x) / 2), bestRow)) });
      runStart = -1;
    }
  }
  const position = runs.findIndex((run) => run.green);
  if (position < 0) throw new Error('no green swatch in the picture');
  return position;
}

test('vision: the screenshot tool shows the model the viewport as an image, and a colour-only choice is made from its pixels', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Theme saved.') ? [call('done', { answer: 'saved' })] : undefined),
    (page) => {
      if (page.request.lastUserImages.length === 0) return [call('screenshot')];
      const swatches = [1, 2, 3, 4, 5, 6].map((number) => page.index({ role: 'button', name: `Theme ${number}` }));
      return [call('click', { index: swatches[greenSwatchPosition(page)]! })];
    },
  ]);
  const { result } = await harness.run('Choose the green theme colour', policy, {
    startUrl: harness.fixtures.url('/theme'),
    context: { device: 'desktop' },
    modelEnvironment: { SMOOTH_MODEL_VISION: 'true' },
  });
  assert.equal(result.status, 'done', result.error);
  assert.match(result.steps[0]?.actions[0]?.result ?? '', /screenshot of the viewport \(element numbers drawn on it\) is attached/);
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'palette'), [{ widget: 'palette', result: '#2a9d3f' }]);
  const withImages = harness.model.requests.filter((request) => request.lastUserImages.length > 0);
  assert.equal(withImages.length, 1, 'one picture, only when asked: not every step');
});

test('without vision there is no screenshot tool unless additional_tools asks for one; then screenshot and print_page save files', async () => {
  const toolNames: string[][] = [];
  const policy = pagePolicy([
    (page) => {
      toolNames.push(page.request.tools.map((tool) => tool.name));
      return page.request.lastToolResults.length === 0 ? [call('screenshot'), call('print_page')] : [call('done', { answer: 'saved' })];
    },
  ]);
  const plain = await harness.run('Look', pagePolicy([(page) => (toolNames.push(page.request.tools.map((tool) => tool.name)), [call('done', { answer: 'x' })])]), {
    startUrl: harness.fixtures.url('/theme'),
  });
  assert.equal(plain.result.status, 'done', plain.result.error);
  assert.ok(!toolNames[0]?.includes('screenshot') && !toolNames[0]?.includes('print_page'), toolNames[0]?.join(', '));
  for (const name of ['hover', 'drag', 'select_text', 'read_value', 'run_script']) assert.ok(toolNames[0]?.includes(name), `${name} is a default tool`);

  const { result, taskContext } = await harness.run('Save the page', policy, {
    startUrl: harness.fixtures.url('/theme'),
    additionalTools: { screenshot: { full_page: true }, print_page: null, hover: null, drag_drop: null },
    keepOpen: true,
  });
  try {
    assert.equal(result.status, 'done', result.error);
    for (const action of result.steps[0]?.actions ?? []) assert.equal(action.ok, true, action.result);
    assert.match(result.steps[0]?.actions[0]?.result ?? '', /Saved the screenshot as "screenshot-\d+\.png"/);
    const files = taskContext.downloads;
    const png = files.find((file) => file.path.endsWith('.png'));
    const pdf = files.find((file) => file.path.endsWith('.pdf'));
    assert.ok(png && pdf, JSON.stringify(files));
    assert.equal((await readFile(png.path)).subarray(1, 4).toString(), 'PNG');
    assert.equal((await readFile(pdf.path)).subarray(0, 5).toString(), '%PDF-');
    assert.equal(harness.model.requests.at(-1)?.lastUserImages.length, 0, 'a model without vision is never sent an image');
  } finally {
    await taskContext.close();
  }
});

test('an unknown additional tool fails the task with the known names', async () => {
  const { result } = await harness.run('Look', pagePolicy([() => [call('done', { answer: 'x' })]]), { additionalTools: { zoom: null } });
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /unknown additional tool "zoom"; the additional tools are screenshot, hover, print_page, drag_drop/);
});

test('read_value returns a long value exactly (spaces included) so it can be copied; the server confirms the copy', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Licence activated.') ? [call('done', { answer: 'activated' })] : undefined),
    (page) => {
      const read = page.request.lastToolResults.find((toolResult) => toolResult.name === 'read_value');
      if (!read) return [call('read_value', { index: page.index({ name: 'Your licence block' }) })];
      const value = JSON.parse(/exactly \(JSON string\): (".*")$/s.exec(read.content)![1]!) as string;
      return [
        call('type', { index: page.index({ name: 'Paste the licence block exactly' }), text: value }),
        call('click', { index: page.index({ role: 'button', name: 'Activate' }) }),
      ];
    },
  ]);
  const { result } = await harness.run('Activate the licence', policy, { startUrl: harness.fixtures.url('/activate'), maxSteps: 6 });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'copy'), [{ widget: 'copy', result: 'exact' }]);
});

test('run_script reads many items at once from the DOM, in an isolated world, with a time limit', async () => {
  const policy = pagePolicy([
    (page) => {
      const results = page.request.lastToolResults;
      if (results.length === 0) {
        return [call('run_script', { script: "return [...document.querySelectorAll('.swatch')].map((swatch) => swatch.getAttribute('aria-label'))" })];
      }
      if (results.length === 1 && results[0]?.name === 'run_script' && !page.request.messages.some((message) => JSON.stringify(message).includes('while (true)'))) {
        return [call('run_script', { script: 'while (true) {}' })];
      }
      if (!page.request.messages.some((message) => JSON.stringify(message).includes('typeof window.recordResult'))) {
        return [call('run_script', { script: 'return typeof window.recordResult' })];
      }
      return [call('done', { answer: page.request.messages.filter((message) => message.role === 'tool').map((message) => String(message.content)).join('\n') })];
    },
  ]);
  const { result } = await harness.run('List the swatches', policy, { startUrl: harness.fixtures.url('/theme') });
  assert.equal(result.status, 'done', result.error);
  const [list, endless, pageGlobal] = result.steps.map((step) => step.actions[0]);
  assert.equal(list?.result, JSON.stringify(['Theme 1', 'Theme 2', 'Theme 3', 'Theme 4', 'Theme 5', 'Theme 6']));
  assert.equal(endless?.ok, false);
  assert.match(endless?.result ?? '', /longer than 5 s|stopped|terminated/i);
  assert.equal(pageGlobal?.result, '"undefined"', "the page's own functions are not visible to the script");
});

test("extract reads the page's full content: a long value whole (not the view's shortened one), hidden-but-present text, link URLs", async () => {
  let extractionPage = '';
  const policy = pagePolicy(
    [
      (page) => (page.request.lastToolResults.length === 0 ? [call('extract', { prompt: 'the licence block and the link to the home page' })] : undefined),
      (page) => [call('done', { answer: page.request.lastToolResults[0]?.content ?? '' })],
    ],
    (request) => {
      extractionPage = request.lastUserText;
      const link = /\[Keystone\]\((L\d+)\)/.exec(extractionPage)?.[1];
      const licence = /\[Your licence block: (".*")\]/.exec(extractionPage)?.[1];
      return { licence: licence ? (JSON.parse(licence) as string) : null, home: link ?? null };
    },
  );
  const { result } = await harness.run('Extract the licence', policy, { startUrl: harness.fixtures.url('/activate') });
  assert.equal(result.status, 'done', result.error);
  const answer = JSON.parse(String(result.output)) as { licence: string; home: string };
  assert.ok(answer.licence.startsWith('  amber-0 ') && answer.licence.endsWith('  ') && answer.licence.length > 1_500, answer.licence.slice(0, 80));
  assert.equal(answer.home, `${harness.fixtures.url('/')}`, 'the link id is replaced by its URL');
  assert.doesNotMatch(extractionPage, /…/);
});

test('typing into an autocomplete waits for its delayed suggestions, so the model sees and picks one', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Searching journeys from') ? [call('done', { answer: 'searching' })] : undefined),
    (page) => (page.has({ role: 'option', name: 'Porto São Bento' }) ? [call('click', { index: page.index({ role: 'option', name: 'Porto São Bento' }) })] : undefined),
    (page) => (page.request.lastToolResults.some((toolResult) => toolResult.name === 'click')
      ? [call('click', { index: page.index({ role: 'button', name: 'Search journeys' }) })]
      : undefined),
    (page) => (page.request.lastToolResults.length === 0
      ? [call('type', { index: page.index({ role: 'combobox' }), text: 'Porto' }), call('click', { index: page.index({ role: 'button', name: 'Search journeys' }) })]
      : [call('done', { answer: 'no suggestions were shown' })]),
  ]);
  const { result } = await harness.run('Search journeys from Porto São Bento', policy, { startUrl: harness.fixtures.url('/journeys') });
  assert.equal(result.status, 'done', result.error);
  assert.equal(result.output, 'searching');
  const [typed, searched] = result.steps[0]?.actions ?? [];
  assert.equal(typed?.ok, true, typed?.result);
  assert.match(searched?.result ?? '', /^Skipped: the page changed/, 'the suggestions changed the page, so the batch stopped before Search');
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'station'), [{ widget: 'station', result: 'Porto São Bento' }]);
});

test('after a click unfolds a panel with a CSS transition, the next view already lists the links at its bottom', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Return started.') ? [call('done', { answer: 'started' })] : undefined),
    (page) => (page.request.lastToolResults.length === 0
      ? [call('click', { index: page.index({ role: 'button', name: 'How do I return an item?' }) })]
      : [call('click', { index: page.index({ role: 'link', name: 'Start a return' }) })]),
  ]);
  const { result } = await harness.run('Start a return', policy, { startUrl: harness.fixtures.url('/help') });
  assert.equal(result.status, 'done', result.error);
  assert.equal(result.steps.length, 3, 'the link was there in the first view after the click');
  assert.deepEqual(records().widgetResults.filter((entry) => entry.widget === 'help-centre'), [{ widget: 'help-centre', result: 'start-return' }]);
});

test('wait_for waits a given time when asked, and for a text to disappear', async () => {
  const policy = pagePolicy([
    (page) => (page.request.lastToolResults.length === 0 ? [call('wait_for', { seconds: 0.6 }), call('wait_for', { text: 'Quoted:', gone: true, seconds: 1 })] : undefined),
    () => [call('done', { answer: 'waited' })],
  ]);
  const { result } = await harness.run('Wait', policy, { startUrl: harness.fixtures.url('/report') });
  assert.equal(result.status, 'done', result.error);
  const [timed, gone] = result.steps[0]?.actions ?? [];
  assert.equal(timed?.result, 'Waited 0.6 s.');
  assert.ok((result.steps[0]?.actMs ?? 0) >= 600, `acted for ${result.steps[0]?.actMs} ms`);
  assert.equal(gone?.result, '"Quoted:" is gone.');
});

test('a popup calendar: open it, go to the next month, pick the day, submit', async () => {
  const policy = pagePolicy([
    (page) => (page.text.includes('Request received') ? [call('done', { answer: 'sent' })] : undefined),
    (page) => (/value="04\/09\/2024"/.test(page.text) ? [call('click', { index: page.index({ role: 'button', name: 'Search trips' }) })] : undefined),
    (page) => {
      if (!page.text.includes('April 2024')) return undefined;
      // The month grid: the weekday line once, each day once, as a link (no week rows repeating the days).
      assert.match(page.text, /\| Su \| Mo \| Tu \| We \| Th \| Fr \| Sa \|/);
      assert.doesNotMatch(page.text, /\| 7 \| 8 \| 9 \|/);
      const days = parseObservedElements(page.text).filter((line) => line.role === 'link' && /^\d+$/.test(line.name));
      assert.deepEqual(days.map((line) => Number(line.name)), Array.from({ length: 30 }, (_, day) => day + 1));
      return [call('click', { index: page.index({ role: 'link', name: '9' }) })];
    },
    (page) => (page.text.includes('March 2024') ? [call('click', { index: page.index({ role: 'link', name: 'Next' }) })] : undefined),
    (page) => [call('click', { index: page.index({ name: 'Departure date' }) })],
  ]);
  const { result } = await harness.run('Search trips departing on April 9, 2024', policy, { startUrl: harness.fixtures.url('/booking/calendar'), context: { device: 'desktop' } });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(records().formSubmissions.find((submission) => submission.form === 'calendar'), { form: 'calendar', departure: '04/09/2024' });
});
