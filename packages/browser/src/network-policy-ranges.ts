import { BlockList, isIP } from 'node:net';

/**
 * Address ranges of the network policy. Link-local and cloud metadata addresses are never reachable;
 * private, loopback and other special-purpose ranges only when the operator allows them.
 */

/** Link-local ranges (169.254.169.254, the cloud metadata address, is one) and metadata addresses outside them. */
const neverReachable = new BlockList();
neverReachable.addSubnet('169.254.0.0', 16, 'ipv4');
neverReachable.addSubnet('fe80::', 10, 'ipv6');
// Alibaba Cloud's metadata service sits in the CGNAT range, AWS's IPv6 one in the unique-local range.
neverReachable.addAddress('100.100.100.200', 'ipv4');
neverReachable.addAddress('fd00:ec2::254', 'ipv6');

/** Addresses that are not the public internet: loopback, private, CGNAT, unique-local and the like. */
const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the host itself on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard-only
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

export type AddressKind = 'link_local' | 'private' | 'public';

function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const bytes = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)).toString(16)}:${(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups].map((group) => Number.parseInt(group, 16));
  return groups.some((group) => Number.isNaN(group)) ? undefined : groups;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && (g5 === 0xffff || (g5 === 0 && (g6 !== 0 || g7 > 1)))) return ipv4FromGroups(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4FromGroups(g6, g7);
  if (g0 === 0x2002) return ipv4FromGroups(g1 ?? 0, g2 ?? 0);
  return undefined;
}

/** What kind of network an IP address (v4 or v6, without brackets) is on. */
export function addressKind(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) return 'private'; // not an address: never treat it as public
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (neverReachable.check(address, type)) return 'link_local';
  if (family === 6) {
    const carried = embeddedIpv4(address);
    if (carried !== undefined) return addressKind(carried);
  }
  return privateRanges.check(address, type) ? 'private' : 'public';
}

/** Thrown for an allowance entry that is neither an IP, a CIDR range nor a host name. */
export class InvalidNetworkAllowanceError extends Error {
  override readonly name = 'InvalidNetworkAllowanceError';
  constructor(readonly entry: string, why: string) {
    super(`invalid private network allowance "${entry}": ${why} (expected a host name, an IP address or a CIDR range such as 127.0.0.0/8 or fd00::/8)`);
  }
}

const hostNamePattern = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/** The private addresses and host names an operator lets tasks reach (SMOOTH_ALLOW_PRIVATE_NETWORK). */
export class PrivateNetworkAllowance {
  readonly entries: readonly string[];
  readonly #ranges = new BlockList();
  readonly #hostNames = new Set<string>();
  /** `*.corp.example` entries, kept as `.corp.example`. */
  readonly #hostSuffixes: string[] = [];

  constructor(entries: readonly string[] = []) {
    this.entries = entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
    for (const entry of this.entries) this.#add(entry);
  }

  /** Parses a comma-separated list (the environment variable's and the CLI flag's form). */
  static parse(list: string | undefined): PrivateNetworkAllowance {
    return new PrivateNetworkAllowance((list ?? '').split(','));
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  allowsAddress(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.#ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const carried = family === 6 ? embeddedIpv4(address) : undefined;
    return carried !== undefined && this.#ranges.check(carried, 'ipv4');
  }

  allowsHostName(hostName: string): boolean {
    const name = hostName.toLowerCase().replace(/\.$/, '');
    return this.#hostNames.has(name) || this.#hostSuffixes.some((suffix) => name.endsWith(suffix));
  }

  #add(entry: string): void {
    const slash = entry.indexOf('/');
    const address = (slash === -1 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
    const family = isIP(address);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const maximum = family === 4 ? 32 : 128;
      const prefix = slash === -1 ? maximum : Number(entry.slice(slash + 1));
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > maximum || (slash !== -1 && !/^\d+$/.test(entry.slice(slash + 1)))) {
        throw new InvalidNetworkAllowanceError(entry, `the prefix length must be 0 to ${maximum}`);
      }
      this.#ranges.addSubnet(address, prefix, type);
      return;
    }
    if (slash !== -1) throw new InvalidNetworkAllowanceError(entry, `"${address}" is not an IP address`);
    if (!hostNamePattern.test(entry)) throw new InvalidNetworkAllowanceError(entry, 'not a host name');
    const name = entry.toLowerCase().replace(/\.$/, '');
    if (name.startsWith('*.')) this.#hostSuffixes.push(name.slice(1));
    else this.#hostNames.add(name);
  }
}
