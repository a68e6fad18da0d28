export interface FailedAuthLimits {
  /** Wrong API keys one client address may send per window before it is refused (429). */
  maxFailures: number;
  windowMs: number;
}

export const defaultFailedAuthLimits: FailedAuthLimits = { maxFailures: 20, windowMs: 60_000 };

interface AddressRecord {
  failures: number[];
  /** Tenants whose correct key this address has used: they keep working while it is blocked. */
  trustedTenants: Set<string>;
}

/** What one request's API key earns from its address: let in, refused as unknown (401) or refused for now (429). */
export type AuthVerdict = { kind: 'allowed' } | { kind: 'unknown key' } | { kind: 'blocked'; seconds: number };

/**
 * The wrong-key limit as the auth hook asks it: one call per request, which also records the
 * outcome. In memory for one process; on Redis when several api processes share the clients
 * (redis-failed-auth-ledger.ts), or each would see only its share of a guesser's attempts.
 */
export interface FailedAuthLedger {
  judge(address: string, tenant: string | undefined): Promise<AuthVerdict>;
}

/** Addresses remembered at most; the oldest go first (a bound on memory, not a limit on clients). */
const maxAddresses = 10_000;

/**
 * Slows key guessing: after `maxFailures` wrong keys within `windowMs`, an address gets 429 for
 * every key it has not already proven, so a correct guess is refused too and teaches nothing.
 * A client that used its correct key from the address before keeps working.
 */
export class FailedAuthLimiter implements FailedAuthLedger {
  private readonly addresses = new Map<string, AddressRecord>();

  constructor(private readonly limits: FailedAuthLimits = defaultFailedAuthLimits) {}

  async judge(address: string, tenant: string | undefined): Promise<AuthVerdict> {
    const seconds = this.blockedForSeconds(address);
    if (seconds > 0 && !(tenant !== undefined && this.isTrusted(address, tenant))) {
      if (tenant === undefined) this.recordFailure(address);
      return { kind: 'blocked', seconds };
    }
    if (tenant === undefined) {
      this.recordFailure(address);
      return { kind: 'unknown key' };
    }
    this.recordSuccess(address, tenant);
    return { kind: 'allowed' };
  }

  /** Seconds until the address may try unknown keys again; 0 when it may now. */
  blockedForSeconds(address: string, now = Date.now()): number {
    const record = this.addresses.get(address);
    if (!record) return 0;
    this.forgetOld(record, now);
    if (record.failures.length < this.limits.maxFailures) return 0;
    const oldest = record.failures[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000));
  }

  isTrusted(address: string, tenant: string): boolean {
    return this.addresses.get(address)?.trustedTenants.has(tenant) ?? false;
  }

  recordSuccess(address: string, tenant: string): void {
    const record = this.recordFor(address);
    if (record.trustedTenants.size < 64) record.trustedTenants.add(tenant);
  }

  recordFailure(address: string, now = Date.now()): void {
    const record = this.recordFor(address);
    this.forgetOld(record, now);
    record.failures.push(now);
    // Only the last maxFailures matter for the verdict.
    if (record.failures.length > this.limits.maxFailures) record.failures.shift();
  }

  private recordFor(address: string): AddressRecord {
    let record = this.addresses.get(address);
    if (!record) {
      if (this.addresses.size >= maxAddresses) {
        const oldest = this.addresses.keys().next().value;
        if (oldest !== undefined) this.addresses.delete(oldest);
      }
      record = { failures: [], trustedTenants: new Set() };
      this.addresses.set(address, record);
    }
    return record;
  }

  private forgetOld(record: AddressRecord, now: number): void {
    while (record.failures.length > 0 && (record.failures[0] ?? now) <= now - this.limits.windowMs) record.failures.shift();
  }
}
