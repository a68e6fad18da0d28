import type { Redis } from 'ioredis';
import type { FinishGate } from '../tasks/finish-gate.js';

/**
 * How long a task's delivery mark outlives its last poll. It only matters at the moment the task
 * ends (was everything delivered already?); once gone, the task is held for the grace period,
 * which costs a client nothing it can see but a few seconds of `running`.
 */
const deliveredTtlMs = 60 * 60 * 1000;

/** Sets the grace mark, then the hold unless a poll already delivered through `lastTimestamp` (one step, so no delivery slips in between). */
const holdScript = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local delivered = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[1]) <= delivered then
  redis.call('DEL', KEYS[2], KEYS[3])
  return 0
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Raises the delivery mark, and releases a hold it reaches. */
const deliveredScript = `
local timestamp = tonumber(ARGV[1])
local delivered = tonumber(redis.call('GET', KEYS[1]) or '0')
if timestamp > delivered then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
local held = redis.call('GET', KEYS[2])
if held and timestamp >= tonumber(held) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0`;

interface GateCommands {
  openSmoothFinishHold(graceKey: string, heldKey: string, deliveredKey: string, lastTimestamp: number, holdMs: number): Promise<number>;
  openSmoothFinishDelivered(deliveredKey: string, heldKey: string, timestamp: number, ttlMs: number): Promise<number>;
}

/**
 * The finish gate shared by every process on one Redis: the worker that ends a task holds it, any
 * API process records what its polls delivered and reads the state. A hold and a grace period are
 * keys that expire by themselves (Redis's clock, so processes need not agree on the time); the
 * delivery mark expires an hour after the task's last poll with events. Keys carry the task id in a
 * hash tag, so a task's keys share a cluster slot.
 */
export class RedisFinishGate implements FinishGate {
  private readonly commands: GateCommands;

  /** `client` may be shared (the scripts are defined on it once and run by their digest). */
  constructor(
    private readonly client: Redis,
    private readonly prefix = 'open-smooth',
  ) {
    client.defineCommand('openSmoothFinishHold', { numberOfKeys: 3, lua: holdScript });
    client.defineCommand('openSmoothFinishDelivered', { numberOfKeys: 2, lua: deliveredScript });
    this.commands = client as unknown as GateCommands;
  }

  private key(taskId: string, what: 'held' | 'grace' | 'delivered'): string {
    return `${this.prefix}:finish:{${taskId}}:${what}`;
  }

  async holdUntilDelivered(taskId: string, lastTimestamp: number, holdMs: number): Promise<boolean> {
    const held = await this.commands.openSmoothFinishHold(this.key(taskId, 'grace'), this.key(taskId, 'held'), this.key(taskId, 'delivered'), lastTimestamp, Math.max(1, Math.ceil(holdMs)));
    return held === 1;
  }

  async isHeld(taskId: string): Promise<boolean> {
    return (await this.client.exists(this.key(taskId, 'held'))) === 1;
  }

  async inGracePeriod(taskId: string): Promise<boolean> {
    return (await this.client.exists(this.key(taskId, 'grace'))) === 1;
  }

  async recordDelivered(taskId: string, timestamp: number): Promise<boolean> {
    return (await this.commands.openSmoothFinishDelivered(this.key(taskId, 'delivered'), this.key(taskId, 'held'), timestamp, deliveredTtlMs)) === 1;
  }

  async close(): Promise<void> {
    // The connection is the caller's; holds expire in Redis by themselves.
  }
}
