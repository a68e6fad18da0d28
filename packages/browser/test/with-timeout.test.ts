import assert from 'node:assert/strict';
import { test } from 'node:test';

import { withTimeout } from '../src/index.js';

class TookTooLong extends Error {}

const never = () => new Promise<never>(() => {});

test('withTimeout gives the value or the error of a promise that settles in time', async () => {
  assert.equal(await withTimeout(Promise.resolve(7), { timeoutMs: 60_000, timeoutError: () => new TookTooLong() }), 7);
  await assert.rejects(withTimeout(Promise.reject(new RangeError('own')), { timeoutMs: 60_000, timeoutError: () => new TookTooLong() }), RangeError);
});

test('withTimeout rejects with the caller\'s error once the time is up, and a later rejection is not unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  let rejectLate!: (error: Error) => void;
  const late = new Promise<never>((_resolve, reject) => (rejectLate = reject));
  await assert.rejects(withTimeout(late, { timeoutMs: 10, timeoutError: () => new TookTooLong() }), TookTooLong);
  rejectLate(new Error('too late'));
  // Node reports unhandled rejections after the microtask queue drains: one macrotask later is enough.
  await new Promise((resolve) => setImmediate(resolve));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, []);
});

test('withTimeout rejects with the abort reason, at once when already aborted, and leaves no listener behind', async () => {
  const controller = new AbortController();
  const waiting = withTimeout(never(), { timeoutMs: 60_000, timeoutError: () => new TookTooLong(), signal: controller.signal });
  controller.abort(new Error('cancelled by the caller'));
  await assert.rejects(waiting, /cancelled by the caller/);
  await assert.rejects(withTimeout(never(), { timeoutMs: 60_000, timeoutError: () => new TookTooLong(), signal: controller.signal }), /cancelled by the caller/);

  const kept = new AbortController();
  let listeners = 0;
  const signal = kept.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners += 1, add(...args))) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners -= 1, remove(...args))) as typeof remove;
  for (let round = 0; round < 5; round += 1) await withTimeout(Promise.resolve(round), { timeoutMs: 60_000, timeoutError: () => new TookTooLong(), signal });
  assert.equal(listeners, 0);
});
