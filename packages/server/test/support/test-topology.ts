/**
 * OPEN_SMOOTH_TEST_TOPOLOGY picks what startTestServer starts: `embedded` (the default), one
 * server process as `npm start` runs it; `distributed`, two API and two worker processes on a
 * shared PostgreSQL, Redis and S3 store behind a round-robin proxy (distributed-servers.ts).
 */
export type TestTopology = 'embedded' | 'distributed';

function topologyOf(value: string | undefined): TestTopology {
  const choice = value?.trim() || 'embedded';
  if (choice !== 'embedded' && choice !== 'distributed') throw new Error(`OPEN_SMOOTH_TEST_TOPOLOGY is embedded or distributed, not ${choice}`);
  return choice;
}

export const testTopology: TestTopology = topologyOf(process.env.OPEN_SMOOTH_TEST_TOPOLOGY);

/** Why a test does not run in the distributed topology, for `test(name, { skip }, …)`; false in the embedded one. */
export function skipWhenDistributed(reason: string): string | false {
  return testTopology === 'distributed' ? `not in the distributed topology: ${reason}` : false;
}
