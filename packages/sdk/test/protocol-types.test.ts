import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  finishedTaskStatuses,
  handlersFirstHeader as protocolHeader,
  taskStatusSchema,
  type AgentTier,
  type CustomTool,
  type Device,
  type TaskEventName as ProtocolEventName,
  type TaskStatus as ProtocolStatus,
} from '@open-smooth/protocol';
import { isFinishedTaskStatus, type Agent, type CustomToolSignature, type DeviceType, type TaskEventName, type TaskStatus } from '../src/api-types.js';
import { handlersFirstHeader } from '../src/task-api.js';

// The SDK carries its own copies of the wire types (it has no runtime dependencies): they must not drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<Agent, AgentTier>,
  Same<DeviceType, Device>,
  Same<TaskStatus, ProtocolStatus>,
  Same<TaskEventName, ProtocolEventName>,
  Same<CustomToolSignature, CustomTool>,
] = [true, true, true, true, true];

test('the SDK\'s own wire types and constants match the protocol package', () => {
  assert.deepEqual(sameTypes, [true, true, true, true, true]);
  assert.equal(handlersFirstHeader, protocolHeader);
  for (const status of taskStatusSchema.options) assert.equal(isFinishedTaskStatus(status), finishedTaskStatuses.includes(status), status);
});
