import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { accountInvoices, cheapestLondonParisFlight, fixtureCredentials, reportCsvBytes, shopProducts } from '@open-smooth/testkit';
import { AgentHarness } from './support/agent-harness.js';
import { call, pagePolicy, tableRows } from './support/policies.js';

let harness: AgentHarness;
before(async () => {
  harness = await AgentHarness.start();
});
after(async () => {
  await harness.close();
});

const flightSchema = {
  type: 'object',
  properties: {
    airline: { type: 'string' },
    flight_number: { type: 'string' },
    departs: { type: 'string' },
    price_gbp: { type: 'number' },
  },
  required: ['airline', 'flight_number', 'departs', 'price_gbp'],
  additionalProperties: false,
};

test('flight search: the cheapest London → Paris flight comes back as JSON valid against the schema', async () => {
  const policy = pagePolicy([
    (page) =>
      page.url.pathname === '/flights'
        ? [
            call('type', { index: page.index({ role: 'textbox', name: 'From' }), text: 'London' }),
            call('type', { index: page.index({ role: 'textbox', name: 'To' }), text: 'Paris' }),
            call('click', { index: page.index({ role: 'button', name: 'Search' }) }),
          ]
        : undefined,
    (page) => {
      if (page.url.pathname !== '/flights/results') return undefined;
      const rows = tableRows(page.text).filter((cells) => /^£\d+/.test(cells[5] ?? ''));
      const cheapest = rows.sort((left, right) => Number(left[5]!.slice(1)) - Number(right[5]!.slice(1)))[0]!;
      return [call('done', { output: { airline: cheapest[0], flight_number: cheapest[1], departs: cheapest[2], price_gbp: Number(cheapest[5]!.slice(1)) } })];
    },
  ]);
  const { result } = await harness.run('Find the cheapest flight from London to Paris', policy, {
    startUrl: harness.fixtures.url('/flights'),
    responseModel: flightSchema,
  });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(result.output, {
    airline: cheapestLondonParisFlight.airline,
    flight_number: cheapestLondonParisFlight.flightNumber,
    departs: cheapestLondonParisFlight.depart,
    price_gbp: cheapestLondonParisFlight.priceGbp,
  });
  assert.equal(new Ajv().validate(flightSchema, result.output), true);
  // The three actions of the search form ran as one batch in the first step.
  assert.deepEqual(result.steps[0]!.actions.map((action) => [action.name, action.ok]), [['type', true], ['type', true], ['click', true]]);
  assert.ok(result.costDollars > 0, 'model cost is counted');
  for (const step of result.steps) {
    assert.ok(step.screenshotPath, 'each step has a screenshot');
    assert.ok((await readFile(step.screenshotPath)).length > 1000);
    assert.ok(step.tokensIn > 0 && step.observationTokens > 0);
  }
});

test('multi-step form: the application is submitted and the site records it server-side', async () => {
  const policy = pagePolicy([
    (page) => (/reference number is/i.test(page.text) ? [call('done', { answer: /NW-\d+/.exec(page.text)?.[0] ?? 'submitted' })] : undefined),
    (page) =>
      page.has({ role: 'textbox', name: 'Full name' })
        ? [
            call('type', { index: page.index({ role: 'textbox', name: 'Full name' }), text: 'Grace Hopper' }),
            call('type', { index: page.index({ role: 'textbox', name: 'Email address' }), text: 'grace@example.com' }),
            call('click', { index: page.index({ role: 'button', name: 'Next' }) }),
          ]
        : undefined,
    (page) =>
      page.has({ role: 'textbox', name: /street/i })
        ? [
            call('type', { index: page.index({ role: 'textbox', name: /street/i }), text: '1 Navy Way' }),
            call('type', { index: page.index({ role: 'textbox', name: /city/i }), text: 'Arlington' }),
            call('select_option', { index: page.index({ role: 'combobox', name: /country/i }), option: 'United Kingdom' }),
            call('click', { index: page.index({ role: 'radio' }) }),
            call('click', { index: page.index({ role: 'button', name: 'Next' }) }),
          ]
        : undefined,
    (page) =>
      page.has({ role: 'checkbox' })
        ? [call('click', { index: page.index({ role: 'checkbox' }) }), call('click', { index: page.index({ role: 'button', name: /submit/i }) })]
        : undefined,
  ]);
  const { result } = await harness.run('Apply for a SIM-only plan as Grace Hopper', policy, { startUrl: harness.fixtures.url('/apply') });
  assert.equal(result.status, 'done', result.error);
  const submission = harness.fixtures.records.formSubmissions.at(-1);
  assert.ok(submission, `the site recorded a submission; steps: ${JSON.stringify(result.steps.map((step) => [step.url, step.actions]))}`);
  assert.equal(submission.fullName ?? submission.full_name ?? submission.name, 'Grace Hopper');
  assert.match(JSON.stringify(submission), /grace@example\.com/);
  assert.match(JSON.stringify(submission), /Arlington/);
  assert.match(String(result.output), /^NW-\d+$/);
});

test('login wall: log in with a secret, then extract the invoices', async () => {
  const invoiceSchema = {
    type: 'array',
    items: { type: 'object', properties: { number: { type: 'string' }, amount: { type: 'string' } }, required: ['number', 'amount'] },
  };
  const policy = pagePolicy(
    [
      (page) =>
        page.url.pathname === '/login'
          ? [
              call('type', { index: page.index({ role: 'textbox', name: 'Username' }), text: fixtureCredentials.username }),
              call('type', { index: page.index({ role: 'textbox', name: 'Password' }), text: '<secret:password>' }),
              call('click', { index: page.index({ role: 'button', name: 'Sign in' }) }),
            ]
          : undefined,
      (page) => {
        if (page.url.pathname !== '/account') return undefined;
        const extracted = page.request.lastToolResults.find((result) => result.name === 'extract');
        if (extracted) return [call('done', { answer: extracted.content })];
        return [call('extract', { prompt: 'every invoice number with its amount', schema: invoiceSchema })];
      },
    ],
    (request) => {
      // The extraction model reads the invoice table from the page text it was sent.
      const text = String(request.lastUserText);
      return tableRows(text)
        .filter((cells) => /^INV-/.test(cells[0] ?? ''))
        .map((cells) => ({ number: cells[0], amount: cells.find((cell) => /[£$€]/.test(cell)) ?? '' }));
    },
  );
  const { result } = await harness.run('Log in and list my invoices', policy, {
    startUrl: harness.fixtures.url('/account'),
    secrets: [{ name: 'password', value: fixtureCredentials.password }],
  });
  assert.equal(result.status, 'done', result.error);
  const invoices = JSON.parse(String(result.output)) as Array<{ number: string }>;
  assert.deepEqual(invoices.map((invoice) => invoice.number), accountInvoices.map((invoice) => invoice.number));
  // The secret reached the site's form data…
  const login = harness.fixtures.records.logins.at(-1);
  assert.deepEqual({ ...login, sessionToken: undefined }, { username: fixtureCredentials.username, password: fixtureCredentials.password, ok: true, sessionToken: undefined });
  assert.equal(harness.fixtures.records.accountViews.at(-1)?.sessionToken, login?.sessionToken, 'the invoices were read in the session the login opened');
  // …and nowhere that the model or the step log could see.
  for (const request of harness.model.requests) assert.equal(request.rawBody.includes(fixtureCredentials.password), false);
  assert.equal(JSON.stringify(result.steps).includes(fixtureCredentials.password), false);
});

test('pagination: every product is extracted across all pages', async () => {
  const seen = new Map<string, string>();
  const policy = pagePolicy([
    (page) => {
      if (page.url.pathname !== '/shop') return undefined;
      const lines = page.text.split('\n');
      lines.forEach((line, position) => {
        const price = lines[position + 1];
        if (line.startsWith('## ') && price && /^£/.test(price)) seen.set(line.slice(3), price);
      });
      return page.has({ role: 'link', name: 'Next' })
        ? [call('click', { index: page.index({ role: 'link', name: 'Next' }) })]
        : [call('done', { output: [...seen].map(([name, price]) => ({ name, price })) })];
    },
  ]);
  const { result } = await harness.run('List every product in the shop with its price', policy, {
    startUrl: harness.fixtures.url('/shop'),
    responseModel: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'string' } }, required: ['name', 'price'] } },
  });
  assert.equal(result.status, 'done', result.error);
  const names = (result.output as Array<{ name: string }>).map((product) => product.name);
  assert.deepEqual(names, shopProducts.map((product) => product.name));
});

test('iframes and shadow DOM: buttons in a same-origin frame, a cross-origin frame and a shadow root are clicked', async () => {
  const targets: Array<[RegExp, string]> = [
    [/same-origin frame button/i, 'same-origin-frame'],
    [/cross-origin frame button/i, 'cross-origin-frame'],
    [/shadow button/i, 'shadow'],
  ];
  const policy = pagePolicy([
    (page) => {
      const next = targets.find(([name]) => page.has({ role: 'button', name }));
      return next ? [call('click', { index: page.index({ role: 'button', name: next[0] }) })] : [call('done', { answer: 'all clicked' })];
    },
  ]);
  const before = harness.fixtures.records.clicks.length;
  const { result } = await harness.run('Click every widget button', policy, { startUrl: harness.fixtures.url('/frames') });
  assert.equal(result.status, 'done', result.error);
  const clicked = harness.fixtures.records.clicks.slice(before).map((click) => click.target);
  assert.deepEqual([...clicked].sort(), targets.map(([, target]) => target).sort());
});

test('file upload: the site receives the file bytes', async () => {
  const bytes = Buffer.from(`quarterly notes ${Date.now()}\n`);
  const policy = pagePolicy([
    (page) => (/Received/.test(page.text) ? [call('done', { answer: 'uploaded' })] : undefined),
    (page) =>
      page.url.pathname === '/upload'
        ? [
            call('upload_file', { index: page.index({ name: 'Document' }), file: 'notes.txt' }),
            call('click', { index: page.index({ role: 'button', name: 'Upload' }) }),
          ]
        : undefined,
  ]);
  const directory = await mkdtemp(join(tmpdir(), 'upload-'));
  const filePath = join(directory, 'notes.txt');
  await writeFile(filePath, bytes);
  const { result } = await harness.run('Upload notes.txt', policy, {
    startUrl: harness.fixtures.url('/upload'),
    files: [{ name: 'notes.txt', path: filePath }],
  });
  assert.equal(result.status, 'done', result.error);
  const upload = harness.fixtures.records.uploads.at(-1);
  assert.ok(upload);
  assert.equal(upload.fileName, 'notes.txt');
  assert.deepEqual(upload.bytes, bytes);
});

test('file download: the report lands on disk with its exact bytes', async () => {
  const policy = pagePolicy([
    (page) =>
      page.request.lastToolResults.some((result) => result.name === 'click')
        ? [call('done', { answer: 'downloaded' })]
        : [call('click', { index: page.index({ role: 'link', name: /Download Q1 sales report/ }) })],
  ]);
  const { result, taskContext } = await harness.run('Download the Q1 report', policy, {
    startUrl: harness.fixtures.url('/downloads'),
    keepOpen: true,
  });
  try {
    assert.equal(result.status, 'done', result.error);
    const [download] = await taskContext.waitForDownloads();
    assert.ok(download, 'a download was captured');
    assert.deepEqual(await readFile(download.path), Buffer.from(reportCsvBytes));
  } finally {
    await taskContext.close();
  }
});

test('hover menu: a submenu item that appears only on hover is reached', async () => {
  const policy = pagePolicy([
    (page) => (page.url.pathname === '/menu/pricing' ? [call('done', { answer: page.text.includes('Pricing plans') ? 'Pricing plans' : 'wrong page' })] : undefined),
    (page) =>
      page.has({ role: 'link', name: 'Pricing' })
        ? [call('click', { index: page.index({ role: 'link', name: 'Pricing' }) })]
        : [call('hover', { index: page.index({ name: /^Products/ }) })],
  ]);
  const { result } = await harness.run('Open the pricing page', policy, {
    startUrl: harness.fixtures.url('/menu'),
    additionalTools: { hover: null },
  });
  assert.equal(result.status, 'done', result.error);
  assert.equal(result.output, 'Pricing plans');
});
