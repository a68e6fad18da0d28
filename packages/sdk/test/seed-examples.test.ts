import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmoothClient } from '@open-smooth/sdk';
import { shopProducts, cheapestLondonParisFlight } from '@open-smooth/testkit';
import {
  cheapestFlightOnPage,
  done,
  isExtractRequest,
  pageText,
  requestText,
  startEndToEnd,
  testApiKey,
  type EndToEnd,
} from './end-to-end-harness.js';

// The examples of the two seed pages (simple task, session run_task), written with our SDK,
// against the real server, real Chromium and fixture sites; only the model is scripted.

let world: EndToEnd;
let client: SmoothClient;

before(async () => {
  world = await startEndToEnd();
  client = new SmoothClient({ apiKey: testApiKey, baseUrl: world.server.apiBaseUrl });
});
after(() => world.close());

function flightsUrl(): string {
  return world.sites.url('/flights/results?from=London&to=Paris');
}

/** Reads the flight table the agent observed and answers with its cheapest row. */
function cheapestFlightPolicy(request: Parameters<Parameters<EndToEnd['model']['setPolicy']>[0]>[0]) {
  const cheapest = cheapestFlightOnPage(pageText(request)) ?? cheapestFlightOnPage(requestText(request));
  if (!cheapest) return { toolCalls: [{ name: 'goto', arguments: { url: flightsUrl() } }] };
  return done(request, `The cheapest flight is ${cheapest.airline} at £${cheapest.price}`, { airline: cheapest.airline, price: cheapest.price });
}

test('run, then liveUrl and result (simple task page)', async () => {
  world.model.setPolicy(cheapestFlightPolicy);
  const task = await client.run({ task: 'Go to the flight site and find the cheapest flight from London to Paris today', url: flightsUrl() });
  const liveUrl = await task.liveUrl();
  assert.match(liveUrl, /^http:\/\/127\.0\.0\.1:\d+\/.*interactive=true&embed=false$/);
  const taskResult = await task.result();
  assert.equal(taskResult.status, 'done', taskResult.error ?? '');
  assert.equal(taskResult.output, `The cheapest flight is ${cheapestLondonParisFlight.airline} at £${cheapestLondonParisFlight.priceGbp}`);
  assert.equal(typeof taskResult.creditsUsed, 'number');
  assert.ok(Number.isInteger(taskResult.credits_used), 'credits_used is a whole number, as the seed page multiplies it by 0.01');
  assert.equal(taskResult.device, 'mobile', 'the server default applies because the SDK sent no device');
  assert.equal(typeof taskResult.createdAt, 'number');
});

test('run with responseModel returns JSON matching the schema', async () => {
  world.model.setPolicy(cheapestFlightPolicy);
  const task = await client.run({
    task: 'Find the cheapest flight from London to Paris today',
    url: flightsUrl(),
    device: 'desktop',
    responseModel: {
      type: 'object',
      properties: { airline: { type: 'string' }, price: { type: 'integer', description: 'Price in GBP' } },
      required: ['airline', 'price'],
    },
  });
  const taskResult = await task.result();
  assert.equal(taskResult.status, 'done', taskResult.error ?? '');
  assert.deepEqual(taskResult.output, { airline: cheapestLondonParisFlight.airline, price: cheapestLondonParisFlight.priceGbp });
  assert.equal(taskResult.device, 'desktop');
});

test('stop() cancels a running task', async () => {
  // The model takes its time, so the task is still running when it is stopped.
  world.model.setPolicy(() => ({ delayMs: 20_000, toolCalls: [{ name: 'scroll', arguments: { direction: 'down' } }] }));
  const task = await client.run({ task: 'Go to the flight site and find the cheapest flight from London to Paris today', url: flightsUrl() });
  await task.stop();
  const taskResult = await task.result();
  assert.equal(taskResult.status, 'cancelled');
});

test('a session run_task with metadata gives the values to the agent', async () => {
  const metadata = { name: 'John Smith', address: '123 Main Street', city: 'New York', zip: '10001' };
  let sawMetadata = false;
  world.model.setPolicy((request) => {
    const text = requestText(request);
    sawMetadata = Object.values(metadata).every((value) => text.includes(value));
    return done(request, sawMetadata ? `Shipping to ${metadata.name}, ${metadata.address}, ${metadata.city} ${metadata.zip}` : 'no address given', null);
  });
  let sessionId = '';
  {
    // `await using` closes the session at the end of the block, like Python's `with client.session()`.
    await using session = await client.session();
    sessionId = session.id();
    const result = await session.runTask({ task: 'Fill out the shipping form with the provided address', url: world.sites.url('/shop'), metadata });
    assert.equal(result.output, 'Shipping to John Smith, 123 Main Street, New York 10001');
    assert.ok(sawMetadata);
    assert.equal(typeof result.creditsUsed, 'number');
    assert.equal(typeof result.duration, 'number');
  }
  const disposed = await client.getTask(sessionId);
  assert.ok(['cancelled', 'done'].includes(disposed.status), `the session was closed on dispose (${disposed.status})`);
});

test('a session chains runTask with a status schema, then extract (chaining example)', async () => {
  const statusSchema = {
    type: 'object',
    properties: {
      success: { type: 'boolean', description: 'Whether the task was completed successfully' },
      message: { type: 'string', description: 'Details about what was done or why it failed' },
    },
  };
  world.model.setPolicy((request) => {
    const page = pageText(request);
    if (isExtractRequest(request)) {
      // The extraction reads the products the page shows, in page order.
      const shown = shopProducts.filter((product) => page.includes(product.name)).slice(0, 3);
      return { text: JSON.stringify(shown.map((product) => ({ name: product.name, price: product.priceGbp }))) };
    }
    const onShop = page.includes(shopProducts[0]?.name ?? '?');
    return done(request, '', { success: onShop, message: onShop ? 'The shop lists the products' : 'I am not on the shop' });
  });
  const session = await client.session({ url: world.sites.url('/shop') });
  try {
    let result = await session.runTask({ task: "Search for 'coffee'", responseModel: statusSchema });
    assert.deepEqual(result.output, { success: true, message: 'The shop lists the products' });
    result = await session.runTask({ task: 'Filter by price under £100 and rating 4+ stars', responseModel: statusSchema });
    assert.equal((result.output as { success: boolean }).success, true);
    const products = await session.extract(
      { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'number' } } } },
      'Extract the first 3 products from the search results',
    );
    assert.deepEqual(
      products.output,
      shopProducts.slice(0, 3).map((product) => ({ name: product.name, price: product.priceGbp })),
    );
    const title = await session.evaluateJs('document.title');
    assert.equal(typeof title.output, 'string');
    assert.equal(await session.close(false), true, 'a graceful close is answered');
  } finally {
    await session.close().catch(() => undefined);
  }
  const final = await session.result();
  assert.equal(final.status, 'done');
});
