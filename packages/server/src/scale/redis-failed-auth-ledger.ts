import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthVerdict, FailedAuthLedger, FailedAuthLimits } from '../failed-auth-limiter.js';

/** How long an address stays trusted for a tenant after it last used the tenant's key. */
const trustedForMs = 24 * 60 * 60_000;

/**
 * The same rule as FailedAuthLimiter in one Lua step: forget failures older than the window,
 * work out whether the address is blocked, then record this request (a failure for an unknown key,
 * the tenant as trusted for a known one). KEYS: failures (sorted by time), trusted tenants.
 * ARGV: now, window, max failures, tenant ('' when unknown), a unique member, trusted TTL.
 */
const judgeScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local blocked = 0
if redis.call('ZCARD', KEYS[1]) >= max then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  blocked = math.max(1, math.ceil((oldest + window - now) / 1000))
end
if ARGV[4] ~= '' then
  if blocked > 0 and redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 0 then return blocked end
  if redis.call('SCARD', KEYS[2]) < 64 then redis.call('SADD', KEYS[2], ARGV[4]) end
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6]))
  return -1
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
redis.call('PEXPIRE', KEYS[1], window)
return blocked
`;

/** The wrong-key limit shared by every api process of a deployment (one round trip per request). */
export class RedisFailedAuthLedger implements FailedAuthLedger {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly limits: FailedAuthLimits,
  ) {}

  async judge(address: string, tenant: string | undefined): Promise<AuthVerdict> {
    const keys = [`${this.prefix}:auth-failures:${address}`, `${this.prefix}:auth-trusted:${address}`];
    const member = `${Date.now()}:${randomBytes(6).toString('hex')}`;
    const answer = Number(
      await this.client.eval(judgeScript, keys.length, ...keys, Date.now(), this.limits.windowMs, this.limits.maxFailures, tenant ?? '', member, trustedForMs),
    );
    if (answer > 0) return { kind: 'blocked', seconds: answer };
    return answer === -1 ? { kind: 'allowed' } : { kind: 'unknown key' };
  }
}
