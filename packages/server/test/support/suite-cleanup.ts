import { after } from 'node:test';

const openServers = new Set<() => Promise<void>>();
const sharedServices: Array<() => Promise<void>> = [];

// One hook, registered when the first support module loads (before the test file's own hooks, so
// it runs first): servers a test file closes in its own `after` are closed here already (their
// close is idempotent), while the PostgreSQL, Redis and S3 they use still answer. Stopping those
// first would leave the servers reconnecting, and their close waiting, forever.
after(async () => {
  await Promise.all([...openServers].map((close) => close()));
  for (const stop of sharedServices.reverse()) await stop();
});

/** Closes `close` before the file's shared services stop, unless it was closed already; returns the unregistration. */
export function closeBeforeSharedServices(close: () => Promise<void>): () => void {
  openServers.add(close);
  return () => openServers.delete(close);
}

/** Stops a service the file's servers share after they all closed (the last registered stops first). */
export function stopAfterServers(stop: () => Promise<void>): void {
  sharedServices.push(stop);
}
