import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyCode, parseObservedElements, type ElementMatch } from '@open-smooth/testkit';
import { AgentHarness } from './support/agent-harness.js';
import { call, pagePolicy, type ObservedPage } from './support/policies.js';

/**
 * Widget pages a person handles without thinking (icon toolbars, feeds, inboxes, trees, custom
 * dropdowns, accordions, exact codes), each completed through the agent by a scripted model that
 * acts only on what the observation shows: by role, name, kind and where the element sits.
 */
let harness: AgentHarness;

before(async () => {
  harness = await AgentHarness.start();
});

after(async () => {
  await harness.close();
});

function matches(line: ReturnType<typeof parseObservedElements>[number], match: ElementMatch): boolean {
  const roleOk = match.role === undefined || (typeof match.role === 'string' ? line.role === match.role : match.role.test(line.role));
  const nameOk = match.name === undefined || (typeof match.name === 'string' ? line.name === match.name : match.name.test(line.name));
  return roleOk && nameOk && (match.attribute === undefined || match.attribute.test(line.attributes));
}

/** The first element that fits after the page line matching `anchor` (e.g. the post of an author). */
function indexAfter(page: ObservedPage, anchor: RegExp, match: ElementMatch): number {
  const lines = page.text.split('\n');
  const start = lines.findIndex((line) => anchor.test(line));
  assert.ok(start >= 0, `${String(anchor)} not in:\n${page.text}`);
  const found = parseObservedElements(lines.slice(start + 1).join('\n')).find((line) => matches(line, match));
  assert.ok(found, `no ${JSON.stringify(match, (_key, value) => (value instanceof RegExp ? String(value) : value))} after ${String(anchor)} in:\n${page.text}`);
  return found.index;
}

/** The last element that fits before the page line matching `anchor` (an inbox row's star comes before its sender). */
function indexBefore(page: ObservedPage, anchor: RegExp, match: ElementMatch): number {
  const lines = page.text.split('\n');
  const end = lines.findIndex((line) => anchor.test(line));
  assert.ok(end >= 0, `${String(anchor)} not in:\n${page.text}`);
  const found = parseObservedElements(lines.slice(0, end).join('\n')).filter((line) => matches(line, match)).at(-1);
  assert.ok(found, `no element before ${String(anchor)} in:\n${page.text}`);
  return found.index;
}

async function runWidgetTask(task: string, path: string, rules: Parameters<typeof pagePolicy>[0]) {
  const { result } = await harness.run(task, pagePolicy(rules), {
    startUrl: harness.fixtures.url(path),
    maxSteps: 12,
  });
  assert.equal(result.status, 'done', `${result.error ?? ''}\n${result.steps.map((step) => step.actions.map((action) => `${action.name}: ${action.result}`).join('\n')).join('\n')}`);
  return result;
}

function widgetResults(widget: string): string[] {
  return harness.fixtures.records.widgetResults.filter((record) => record.widget === widget).map((record) => record.result);
}

test('icon-only toolbar with a delegated handler: bold and underline, then save', async () => {
  await runWidgetTask('Make the note bold and underlined, then save it.', '/widgets/toolbar', [
    (page) => (/Saved with/.test(page.text) ? [call('done', { answer: 'saved' })] : undefined),
    (page) => (/Formats: bold, underline/.test(page.text) ? [call('click', { index: page.index({ role: 'clickable', name: 'save' }) })] : undefined),
    (page) => (/Formats: bold/.test(page.text) ? [call('click', { index: page.index({ role: 'clickable', name: 'underline' }) })] : undefined),
    (page) => [call('click', { index: page.index({ role: 'clickable', name: 'bold' }) })],
  ]);
  assert.deepEqual(widgetResults('toolbar'), ['bold,underline']);
});

test('social feed: like one post by its icon, report another through its hidden "more" menu', async () => {
  await runWidgetTask("Like Marco's post and report Lena's post.", '/widgets/feed', [
    (page) => (/Thanks, we will review/.test(page.text) ? [call('done', { answer: 'done' })] : undefined),
    (page) => (page.has({ name: 'Report post' }) ? [call('click', { index: indexAfter(page, /Lena Vogt/, { name: 'Report post' }) })] : undefined),
    (page) => {
      const likeOfMarco = indexAfter(page, /Marco Bellini/, { name: /^like \d/ });
      const liked = parseObservedElements(page.text).find((line) => line.index === likeOfMarco)?.name === 'like 1';
      return [call('click', { index: liked ? indexAfter(page, /Lena Vogt/, { name: 'more' }) : likeOfMarco })];
    },
  ]);
  assert.deepEqual(widgetResults('feed'), ['like:p2', 'report:p3']);
});

test('inbox with icon-only row actions: star one message, delete another', async () => {
  await runWidgetTask("Star Dana's invoice and delete the newsletter.", '/widgets/mail', [
    (page) => (/trash done/.test(page.text) ? [call('done', { answer: 'done' })] : undefined),
    (page) => (/star done/.test(page.text) ? [call('click', { index: indexAfter(page, /Weekly Digest/, { role: 'button', name: 'trash' }) })] : undefined),
    (page) => [call('click', { index: indexBefore(page, /Dana Whitfield/, { role: 'button', name: 'star' }) })],
  ]);
  assert.deepEqual(widgetResults('mail'), ['star:m1', 'trash:m2']);
});

test('file tree: open folders level by level and open one file', async () => {
  await runWidgetTask('Open the 2025 budget in Finance.', '/widgets/files', [
    (page) => (/Opened /.test(page.text) ? [call('done', { answer: 'opened' })] : undefined),
    (page) => (/Selected: Finance\/2025\/budget\.xlsx/.test(page.text) ? [call('click', { index: page.index({ role: 'button', name: 'Open' }) })] : undefined),
    (page) => (page.has({ role: 'treeitem', name: '2025', attribute: /expanded/ }) ? [call('click', { index: indexAfter(page, /treeitem "2025"/, { role: 'treeitem', name: 'budget.xlsx', attribute: /level=3/ }) })] : undefined),
    (page) => (page.has({ role: 'treeitem', name: '2025', attribute: /level=2 collapsed/ }) ? [call('click', { index: page.index({ role: 'treeitem', name: '2025' }) })] : undefined),
    (page) => [call('click', { index: page.index({ role: 'treeitem', name: 'Finance', attribute: /collapsed/ }) })],
  ]);
  assert.deepEqual(widgetResults('file-tree'), ['Finance/2025/budget.xlsx']);
});

test('copy a code exactly, with its leading and trailing spaces', async () => {
  await runWidgetTask('Enter the confirmation code exactly as shown.', '/widgets/copy-code', [
    (page) => (/Code accepted|not the exact code/.test(page.text) ? [call('done', { answer: 'submitted' })] : undefined),
    (page) => {
      const codeLine = parseObservedElements(page.text).find((line) => line.name === 'Your code');
      const quoted = /^value=("(?:[^"\\]|\\.)*")/.exec(codeLine?.attributes ?? '')?.[1];
      assert.ok(quoted, `no value on the code field:\n${page.text}`);
      return [
        call('type', { index: page.index({ role: 'textbox', name: 'Enter the code' }), text: JSON.parse(quoted) as string }),
        call('click', { index: page.index({ role: 'button', name: 'Verify' }) }),
      ];
    },
  ]);
  assert.deepEqual(widgetResults('copy-code'), [copyCode]);
});

test('custom dropdown built from divs: open it, pick an option, continue', async () => {
  await runWidgetTask('Choose the Team plan and continue.', '/widgets/plan-picker', [
    (page) => (/Plan team chosen/.test(page.text) ? [call('done', { answer: 'team' })] : undefined),
    (page) => (page.has({ name: /^Team\b/ }) && !page.has({ name: /^Select a plan/ }) ? [call('click', { index: page.index({ role: 'button', name: 'Continue' }) })] : undefined),
    (page) => (page.has({ role: 'clickable', name: /^Team \$12/ }) ? [call('click', { index: page.index({ role: 'clickable', name: /^Team \$12/ }) })] : undefined),
    (page) => [call('click', { index: page.index({ role: 'clickable', name: /^Select a plan/ }) })],
  ]);
  assert.deepEqual(widgetResults('dropdown'), ['team']);
});

test('collapsible panel: the link inside appears only once the panel is open', async () => {
  let opened = false;
  await runWidgetTask('Download the refund form from the help centre.', '/widgets/help', [
    (page) => (/Refund form downloaded/.test(page.text) ? [call('done', { answer: 'downloaded' })] : undefined),
    (page) => (page.has({ role: 'link', name: 'Download the refund form' }) ? [call('click', { index: page.index({ role: 'link', name: 'Download the refund form' }) })] : undefined),
    (page) => {
      // A closed panel's content is not on screen, so it is not in the view either.
      assert.equal(opened, false, `the panel was opened but its link is not listed:\n${page.text}`);
      assert.doesNotMatch(page.text, /refund within 30 days/);
      opened = true;
      return [call('click', { index: page.index({ role: 'clickable', name: /^Refunds/ }) })];
    },
  ]);
  assert.deepEqual(widgetResults('collapsible'), ['refund-form']);
});

test('tabs built around links: each tab listed once with its state; open Reviews and mark the second review helpful', async () => {
  await runWidgetTask('Mark the second review of the grinder as helpful.', '/widgets/tabs', [
    (page) => (/Thanks for your feedback/.test(page.text) ? [call('done', { answer: 'marked' })] : undefined),
    (page) => (page.has({ role: 'button', name: 'Helpful' }) ? [call('click', { index: indexAfter(page, /Tom W\./, { role: 'button', name: 'Helpful' }) })] : undefined),
    (page) => {
      const elements = parseObservedElements(page.text);
      for (const label of ['Description', 'Specifications', 'Reviews']) {
        // One element per tab: the tab with its state, no link of the same name beside it.
        assert.deepEqual(elements.filter((line) => line.name === label).map((line) => line.role), ['tab'], page.text);
      }
      assert.match(elements.find((line) => line.name === 'Description')?.attributes ?? '', /selected/);
      return [call('click', { index: page.index({ role: 'tab', name: 'Reviews' }) })];
    },
  ]);
  assert.deepEqual(widgetResults('tabs'), ['helpful:2']);
});

test('a web component whose icon controls listen inside its shadow root: play, then mute with the control that appears', async () => {
  await runWidgetTask('Play the episode, then mute it.', '/widgets/player', [
    (page) => (/Playing, muted/.test(page.text) ? [call('done', { answer: 'muted' })] : undefined),
    // Added inside the shadow root after the first click: seen because the root's changes count.
    (page) => (/Playing/.test(page.text) ? [call('click', { index: page.index({ role: 'clickable', name: 'mute' }) })] : undefined),
    (page) => [call('click', { index: page.index({ role: 'clickable', name: 'play' }) })],
  ]);
  assert.deepEqual(widgetResults('player'), ['play', 'mute']);
});
