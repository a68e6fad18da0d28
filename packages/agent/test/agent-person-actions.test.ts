import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentHarness } from './support/agent-harness.js';
import { call, pagePolicy } from './support/policies.js';

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
