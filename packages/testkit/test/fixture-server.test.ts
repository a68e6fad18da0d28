import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  accountInvoices,
  cheapestLondonParisFlight,
  fixtureCredentials,
  reportCsvBytes,
  shopProducts,
  startFixtureServer,
  type FixtureServer,
} from '../src/fixture-server.js';
import { parseMultipart } from '../src/fixture-sites/multipart-parser.js';

let server: FixtureServer;
let browser: Browser;

before(async () => {
  server = await startFixtureServer();
  browser = await chromium.launch({
    executablePath: process.env.SMOOTH_CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh context per test so cookies and sessions never leak between tests. */
async function withPage(run: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  try {
    await run(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

test('the index page links every site', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/'));
    const links = await page.locator('#sites a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
    assert.deepEqual(links, ['/flights', '/apply', '/account', '/shop?page=1', '/frames', '/downloads', '/upload', '/menu', '/board', '/policy']);
  });
});

test('flight search finds London to Paris flights, and sorting by price puts the cheapest first', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/flights'));
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.locator('#cookie-notice').waitFor({ state: 'detached' });
    await page.getByLabel('From').fill('London');
    await page.getByLabel('To', { exact: true }).fill('Paris');
    await page.getByLabel('Date').fill('2026-12-01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/\/flights\/results/);
    assert.equal(await page.locator('#cookie-notice').count(), 0, 'consent is remembered across pages');
    const rows = page.locator('#results tbody tr:not([hidden])');
    assert.equal(await rows.count(), 8);
    assert.notEqual((await rows.first().locator('td').nth(1).textContent())?.trim(), cheapestLondonParisFlight.flightNumber);

    await page.getByLabel('Sort by').selectOption('price');
    assert.equal((await rows.first().locator('td').nth(1).textContent())?.trim(), cheapestLondonParisFlight.flightNumber);
    assert.equal((await rows.first().locator('td').nth(5).textContent())?.trim(), `£${cheapestLondonParisFlight.priceGbp}`);

    await page.getByLabel('Non-stop only').check();
    assert.equal(await rows.count(), 5);
    assert.equal(await page.locator('#result-count').textContent(), '5 flights found');

    await rows.first().getByText('Select').click();
    await rows.first().getByText('Selected').waitFor();
    assert.deepEqual(server.records.clicks.at(-1), { target: 'flight:U28421' });
  });
});

test('flight search on another route lists only that route', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/flights/results?from=paris&to=rome'));
    assert.equal(await page.locator('#results tbody tr').count(), 2);
    await page.goto(server.url('/flights/results?from=Paris&to=Oslo'));
    assert.match((await page.locator('#result-count').textContent()) ?? '', /No flights found/);
  });
});

test('the multi-step form validates inline, then records a valid submission with a reference', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/apply'));
    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByLabel('Email address').fill('grace.example.com');
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.locator('#email-error').textContent(), 'Enter a valid email address, like name@example.com.');
    assert.equal(await page.getByLabel('Street address').isVisible(), false, 'still on step 1');

    await page.getByLabel('Email address').fill('grace@example.com');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Street address').fill('1 Navy Way');
    await page.getByLabel('Town or city').fill('Arlington');
    await page.getByLabel('Country').selectOption('United States');
    await page.getByLabel('Plus – £12 a month').check();
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.locator('[data-review=email]').textContent(), 'grace@example.com');

    await page.getByRole('button', { name: 'Submit application' }).click();
    assert.equal(await page.locator('#terms-error').textContent(), 'You must accept the terms to continue.');
    assert.equal(server.records.formSubmissions.length, 0);

    await page.getByLabel('I accept the terms and conditions').check();
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.getByRole('heading', { name: 'Application received' }).waitFor();
    assert.equal(await page.locator('#reference').textContent(), 'NW-100001');
    assert.deepEqual(server.records.formSubmissions, [
      { fullName: 'Grace Hopper', email: 'grace@example.com', street: '1 Navy Way', city: 'Arlington', country: 'United States', plan: 'plus', terms: 'accepted', reference: 'NW-100001' },
    ]);
  });
});

test('the form server rejects an invalid POST with inline errors and records nothing', async () => {
  const before = server.records.formSubmissions.length;
  const response = await fetch(server.url('/apply'), {
    method: 'POST',
    body: new URLSearchParams({ fullName: 'No Terms', email: 'not-an-email', street: 'x', city: 'y', country: 'France', plan: 'basic' }),
  });
  const html = await response.text();
  assert.equal(response.status, 422);
  assert.match(html, /Enter a valid email address/);
  assert.match(html, /You must accept the terms to continue\./);
  assert.match(html, /value="No Terms"/, 'entered values are kept');
  assert.equal(server.records.formSubmissions.length, before);
});

test('the login wall redirects, rejects a bad password and shows invoices after login', async () => {
  await withPage(async (page, context) => {
    await page.goto(server.url('/account'));
    assert.equal(new URL(page.url()).pathname, '/login');

    await page.getByLabel('Username').fill(fixtureCredentials.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByRole('alert').textContent(), 'Incorrect username or password.');

    await page.getByLabel('Password').fill(fixtureCredentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(server.url('/account'));
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Welcome back, Ada Lovelace');
    const invoiceNumbers = await page.locator('#invoices tbody tr td:first-child').allTextContents();
    assert.deepEqual(invoiceNumbers, accountInvoices.map((invoice) => invoice.number));

    const sessionCookie = (await context.cookies()).find((cookie) => cookie.name === 'ledgerly_session');
    assert.equal(sessionCookie?.httpOnly, true);
    assert.equal(await page.evaluate(() => document.cookie.includes('ledgerly_session')), false);
    const [refused, accepted] = server.records.logins.slice(-2);
    assert.deepEqual(refused, { username: fixtureCredentials.username, password: 'wrong password', ok: false });
    // The accepted login records the session it opened, the one the cookie carries.
    assert.deepEqual(accepted, { username: fixtureCredentials.username, password: fixtureCredentials.password, ok: true, sessionToken: sessionCookie?.value });
    assert.deepEqual(server.records.accountViews.at(-1), { username: fixtureCredentials.username, sessionToken: sessionCookie?.value });
  });
});

test('following Next through the shop collects all 23 products in order', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/shop?page=1'));
    const names: string[] = [];
    for (;;) {
      names.push(...(await page.locator('.product h2').allTextContents()));
      const next = page.getByRole('link', { name: 'Next' });
      if ((await next.count()) === 0) break;
      await next.click();
      await page.waitForLoadState();
    }
    assert.deepEqual(names, shopProducts.map((product) => product.name));
    assert.match(page.url(), /page=3$/);
  });
});

test('buttons in a same-origin frame, a cross-origin frame and a shadow root record their clicks', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/frames'));
    // Dismissed first: clicking under the fixed notice makes Playwright scroll, and a click right after a scroll
    // can land in the cross-origin frame at its old position (Chromium's hit-test data for OOPIFs lags a frame).
    await page.getByRole('button', { name: 'Dismiss cookie notice' }).click();
    await page.locator('#cookie-notice').waitFor({ state: 'detached' });
    const crossOriginSource = await page.locator('#cross-origin-frame').getAttribute('src');
    assert.equal(crossOriginSource, server.urlOn('localhost', '/frames/inner?target=cross-origin-frame'));

    const sameOriginButton = page.frameLocator('#same-origin-frame').getByRole('button', { name: 'Same-origin frame button' });
    await sameOriginButton.click();
    await page.frameLocator('#same-origin-frame').getByRole('button', { name: 'Clicked!' }).waitFor();

    const crossOriginFrame = page.frameLocator('#cross-origin-frame');
    assert.equal(await crossOriginFrame.locator('#host').textContent(), 'localhost');
    await crossOriginFrame.getByRole('button', { name: 'Cross-origin frame button' }).click();
    await crossOriginFrame.getByRole('button', { name: 'Clicked!' }).waitFor();

    await page.getByRole('button', { name: 'Shadow button' }).click();
    await page.locator('shadow-widget').getByRole('button', { name: 'Clicked!' }).waitFor();
    await page.getByLabel('Promo code').fill('SPRING');
    assert.equal(await page.locator('#promo-echo').textContent(), 'Code entered: SPRING');

    const targets = server.records.clicks.map((click) => click.target);
    for (const target of ['same-origin-frame', 'cross-origin-frame', 'shadow']) assert.ok(targets.includes(target), `missing click on ${target}`);
    assert.ok(server.records.otherHostHits.some((hit) => hit.host === 'localhost' && hit.path === '/api/click'));
  });
});

test('the report link downloads the exact CSV bytes', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/downloads'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download Q1 sales report/ }).click()]);
    assert.equal(download.suggestedFilename(), 'report.csv');
    assert.deepEqual(await readFile(await download.path()), reportCsvBytes);
  });
});

test('an uploaded file reaches the server byte for byte', async () => {
  const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x0a, 0x2d, 0x2d, 0x42]);
  await withPage(async (page) => {
    await page.goto(server.url('/upload'));
    await page.getByLabel('Document').setInputFiles({ name: 'contract.pdf', mimeType: 'application/pdf', buffer: bytes });
    await page.getByLabel('Note (optional)').fill('signed copy');
    await page.getByRole('button', { name: 'Upload' }).click();
    assert.equal(await page.locator('#received li').textContent(), `Received contract.pdf (${bytes.length} bytes)`);
  });
  const upload = server.records.uploads.at(-1);
  assert.equal(upload?.fieldName, 'document');
  assert.equal(upload?.fileName, 'contract.pdf');
  assert.deepEqual(upload?.bytes, bytes);
});

test('the multipart parser keeps boundary-like bytes inside file content', () => {
  const boundary = 'XyZ';
  const body = Buffer.concat([
    Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'),
    Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="document"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
    Buffer.from('a--XyZ\r\n--Xy\r\n'),
    Buffer.from('\r\n--XyZ--\r\n'),
  ]);
  const parts = parseMultipart(body, boundary);
  assert.deepEqual(parts.map((part) => [part.name, part.fileName, part.data.toString('latin1')]), [
    ['note', undefined, 'hello'],
    ['document', 'a.bin', 'a--XyZ\r\n--Xy\r\n'],
  ]);
});

test('the Pricing link appears only on hover and leads to three plans', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/menu'));
    const pricing = page.getByRole('link', { name: 'Pricing' });
    assert.equal(await pricing.isVisible(), false);
    await page.getByText('Products ▾').hover();
    assert.equal(await pricing.isVisible(), true);
    await pricing.click();
    await page.getByRole('heading', { name: 'Pricing plans' }).waitFor();
    assert.equal(await page.locator('.plan').count(), 3);
  });
});

test('dragging a card to Done moves it and records the move', async () => {
  await withPage(async (page) => {
    await page.goto(server.url('/board'));
    await page.locator('#card-login-bug').dragTo(page.locator('[data-column=done]'));
    await page.getByText('Moved "Fix login redirect bug" to Done').waitFor();
    assert.deepEqual(server.records.boardMoves.at(-1), { card: 'card-login-bug', from: 'todo', to: 'done' });
    await page.reload();
    assert.equal(await page.locator('[data-column=done] #card-login-bug').count(), 1, 'the move persists');
  });
});

test('Chromium reaches the server as localhost, and the redirect endpoint and otherHostHits show it', async () => {
  await withPage(async (page) => {
    const landing = server.urlOn('localhost', '/policy/landing');
    const response = await fetch(server.url(`/redirect?to=${encodeURIComponent(landing)}`), { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), landing);
    assert.equal((await fetch(server.url('/redirect?to=javascript:alert(1)'), { redirect: 'manual' })).status, 400);

    await page.goto(server.url(`/redirect?to=${encodeURIComponent(landing)}`));
    assert.equal(page.url(), landing);
    assert.equal(await page.locator('#landing-host').textContent(), 'You reached the partner site on localhost.');
    assert.ok(server.records.otherHostHits.some((hit) => hit.host === 'localhost' && hit.path === '/policy/landing'));
  });
});

test('the fetch probe reaches the other host, and a blocked request never arrives', async () => {
  await withPage(async (page, context) => {
    await page.goto(server.url('/policy/fetch'));
    await page.getByRole('button', { name: 'Check partner status' }).click();
    await page.getByText('pong from localhost').waitFor();

    await context.route(/^http:\/\/localhost:\d+\//, (route) => route.abort());
    const hitsBefore = server.records.otherHostHits.length;
    await page.getByRole('button', { name: 'Check partner status' }).click();
    await page.getByText('fetch failed').waitFor();
    assert.equal(server.records.otherHostHits.length, hitsBefore);
  });
});

test('the navigate, popup and iframe probes point at the other host', async () => {
  await withPage(async (page, context) => {
    const landing = server.urlOn('localhost', '/policy/landing');
    await page.goto(server.url('/policy/navigate'));
    assert.equal(await page.getByRole('link', { name: 'Continue to partner site' }).getAttribute('href'), landing);

    await page.goto(server.url('/policy/popup'));
    const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Open partner window' }).click()]);
    await popup.waitForLoadState();
    assert.equal(popup.url(), landing);

    await page.goto(server.url('/policy/iframe'));
    assert.equal(await page.frameLocator('#other-host-frame').locator('#landing-host').textContent(), 'You reached the partner site on localhost.');
  });
});
