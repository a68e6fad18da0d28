import type { TaskRecord } from '../../src/store/task-record.js';

/** A stored task as the API would create it, for tests that write to a store directly; `overrides` says what differs. */
export function taskRecordFixture(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    tenant: 'tenant-a',
    kind: 'task',
    status: 'waiting',
    request: { task: `the task of ${id}` },
    output: null,
    error: null,
    costDollars: 0,
    device: 'desktop',
    createdAtMs: 1_700_000_000_000,
    finishedAtMs: null,
    downloadsToken: `downloads-${id}`,
    recording: 'pending',
    liveToken: `live-${id}`,
    ...overrides,
  };
}
