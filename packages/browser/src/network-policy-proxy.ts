import { connect, createServer, type Server, type Socket } from 'node:net';

import { ConnectionFailureNotes } from './connection-failure-notes.js';
import type { NetworkBlock, NetworkPolicy } from './network-policy.js';

/**
 * The connection-level half of the network policy: a SOCKS5 proxy on loopback that Chromium sends
 * every connection through (the pool launches it with `--proxy-server`). It resolves the host
 * itself, checks every address with the pool's NetworkPolicy and connects to exactly the addresses
 * it checked. That covers what request interception cannot see (WebSocket handshakes, service
 * workers, extension traffic) and leaves no gap between our DNS lookup and the browser's (a name
 * that resolves to a public address when checked and a private one when used).
 */

const socksVersion = 5;
const noAuthentication = 0;
const connectCommand = 1;
const enum Reply {
  Succeeded = 0,
  GeneralFailure = 1,
  NotAllowedByRuleset = 2,
  HostUnreachable = 4,
  CommandNotSupported = 7,
  AddressTypeNotSupported = 8,
}

/** Reads a SOCKS5 handshake from a socket's first bytes, however the network splits them. */
class HandshakeReader {
  #buffer = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.#onData);
    socket.once('end', () => this.#finish());
    socket.once('close', () => this.#finish());
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#waiter?.();
  };

  #finish(): void {
    this.#ended = true;
    this.#waiter?.();
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) {
      if (this.#ended) throw new Error('the client closed the connection during the SOCKS handshake');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
    const bytes = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return bytes;
  }

  /** Stops reading; returns what arrived after the handshake (the start of the tunnelled bytes). */
  detach(): Buffer {
    this.socket.off('data', this.#onData);
    this.socket.pause();
    return this.#buffer;
  }
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let offset = 0; offset < 16; offset += 2) groups.push(bytes.readUInt16BE(offset).toString(16));
  return groups.join(':');
}

async function readTarget(reader: HandshakeReader): Promise<{ host: string; port: number } | Reply> {
  const [version, command, , addressType] = await reader.read(4);
  if (version !== socksVersion) return Reply.GeneralFailure;
  let host: string;
  if (addressType === 1) host = [...(await reader.read(4))].join('.');
  else if (addressType === 3) host = (await reader.read((await reader.read(1))[0] ?? 0)).toString('latin1');
  else if (addressType === 4) host = ipv6Text(await reader.read(16));
  else return Reply.AddressTypeNotSupported;
  const port = (await reader.read(2)).readUInt16BE(0);
  return command === connectCommand ? { host, port } : Reply.CommandNotSupported;
}

function reply(socket: Socket, code: Reply): void {
  socket.write(Buffer.from([socksVersion, code, 0, 1, 0, 0, 0, 0, 0, 0]));
}

function connectTo(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const upstream = connect({ host: address, port });
    upstream.once('connect', () => {
      upstream.off('error', reject);
      resolve(upstream);
    });
    upstream.once('error', reject);
  });
}

function listenOnLoopback(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function socksUrlOf(server: Server): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `socks5://127.0.0.1:${port}`;
}

/** A lane's own rule about a host, judged before the pool's policy: a block, or undefined to go on. */
export type LaneCheck = (host: string, port: number) => NetworkBlock | undefined | Promise<NetworkBlock | undefined>;

/**
 * A port of the proxy for one browser context (Playwright's per-context `proxy`), so that a
 * connection is known to come from that context: its task adds a rule of its own (adblock's
 * host-level check) that costs nothing on connections it lets through. The pool's policy still
 * judges every connection the lane lets through.
 */
export class ProxyLane {
  /** The task's rule; none while the context waits for a task. */
  check: LaneCheck | undefined;
  /** Why connections were refused by `check`, for the failed requests to read back. */
  readonly failures = new ConnectionFailureNotes();

  constructor(
    private readonly server: Server,
    private readonly closeLane: () => Promise<void>,
  ) {}

  get url(): string {
    return socksUrlOf(this.server);
  }

  close(): Promise<void> {
    return this.closeLane();
  }
}

/** A loopback SOCKS5 proxy that lets a connection through only when the policy allows its addresses. */
export class NetworkPolicyProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #lanes = new Set<ProxyLane>();

  private constructor(
    server: Server,
    private readonly policy: NetworkPolicy,
  ) {
    this.#server = server;
  }

  static async start(policy: NetworkPolicy): Promise<NetworkPolicyProxy> {
    const server = createServer();
    const proxy = new NetworkPolicyProxy(server, policy);
    server.on('connection', (socket) => void proxy.#serve(socket));
    await listenOnLoopback(server);
    return proxy;
  }

  /** What Chromium's --proxy-server takes. */
  get url(): string {
    return socksUrlOf(this.#server);
  }

  /** A port of its own for one browser context (see ProxyLane); closed with the proxy at the latest. */
  async openLane(): Promise<ProxyLane> {
    const server = createServer();
    let closed: Promise<void> | undefined;
    const lane: ProxyLane = new ProxyLane(server, () => {
      this.#lanes.delete(lane);
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    });
    server.on('connection', (socket) => void this.#serve(socket, lane));
    await listenOnLoopback(server);
    this.#lanes.add(lane);
    return lane;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([...this.#lanes].map((lane) => lane.close()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #serve(client: Socket, lane?: ProxyLane): Promise<void> {
    this.#track(client);
    client.setNoDelay(true);
    client.on('error', () => client.destroy());
    const reader = new HandshakeReader(client);
    try {
      const [version, methodCount = 0] = await reader.read(2);
      const methods = await reader.read(methodCount);
      if (version !== socksVersion || !methods.includes(noAuthentication)) {
        client.end(Buffer.from([socksVersion, 0xff]));
        return;
      }
      client.write(Buffer.from([socksVersion, noAuthentication]));
      const target = await readTarget(reader);
      if (typeof target === 'number') {
        reply(client, target);
        client.end();
        return;
      }
      const laneBlock = await lane?.check?.(target.host, target.port);
      if (laneBlock) {
        lane?.failures.note(target.host, target.port, { kind: 'refused', block: laneBlock });
        reply(client, Reply.NotAllowedByRuleset);
        client.end();
        return;
      }
      const upstream = await this.#open(target.host, target.port);
      if (client.destroyed) {
        // The browser gave up while we connected (a cancelled request): nothing to tunnel.
        if (typeof upstream !== 'number') upstream.destroy();
        return;
      }
      if (typeof upstream === 'number') {
        reply(client, upstream);
        client.end();
        return;
      }
      reply(client, Reply.Succeeded);
      const early = reader.detach();
      if (early.length > 0) upstream.write(early);
      this.#pipe(client, upstream);
    } catch {
      // The client went away mid-handshake (a cancelled request): nothing to answer.
      client.destroy();
    }
  }

  async #open(host: string, port: number): Promise<Socket | Reply> {
    const checked = await this.policy.addressesToConnect(host);
    // The task's guard reports the refusal with its reason (it sees the failed request).
    if ('reason' in checked) {
      this.policy.noteConnectionFailure(host, port, { kind: 'refused', block: checked });
      return Reply.NotAllowedByRuleset;
    }
    if (checked.addresses.length === 0) {
      this.policy.noteConnectionFailure(host, port, { kind: 'unreachable', detail: `the host name ${host} does not resolve` });
      return Reply.HostUnreachable;
    }
    // Every address passed the policy; try them in order, as a browser would (localhost: 127.0.0.1, ::1).
    for (const address of checked.addresses) {
      try {
        return await connectTo(address, port);
      } catch {
        // Refused or unreachable: the next address may answer.
      }
    }
    this.policy.noteConnectionFailure(host, port, { kind: 'unreachable', detail: `nothing answered at ${host} port ${port}` });
    return Reply.HostUnreachable;
  }

  #pipe(client: Socket, upstream: Socket): void {
    this.#track(upstream);
    upstream.setNoDelay(true);
    // The site's last bytes (a TLS alert such as "certificate required", a response followed by a
    // close) must still reach the browser: when the site's side ends, the browser's side is ended
    // after what is queued, not destroyed with it.
    const endClient = () => {
      if (!client.destroyed) client.end();
    };
    const dropUpstream = () => upstream.destroy();
    upstream.on('error', endClient);
    upstream.on('close', endClient);
    client.on('error', dropUpstream);
    client.on('close', dropUpstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }
}
