import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';

/**
 * Counting proxies on loopback, in a process of their own (so their work does not share the
 * bench's event loop): one PostgreSQL, one Redis and one S3 endpoint per server process that the
 * bench starts, each forwarding to the real server and counting what that process sends it.
 *
 * - PostgreSQL: the frontend messages of the wire protocol; a statement is a simple Query ('Q') or
 *   an Execute ('E') of an extended-protocol portal, sorted by the verb of its SQL.
 * - Redis: RESP commands (arrays of bulk strings, pipelined or not), by command name. Commands run
 *   inside a Lua script (BullMQ's EVALSHA) are one command here: what crosses the network.
 * - S3: HTTP requests by method.
 *
 * Started by wire-counters.ts with the targets and names on argv; answers 'snapshot' messages on
 * its IPC channel with every count so far.
 */

interface Target {
  host: string;
  port: number;
}

interface CounterConfiguration {
  postgres: Target;
  redis: Target;
  s3: Target;
  names: string[];
}

export interface WireCounts {
  postgres: { connections: number; open: number; statements: number; byVerb: Record<string, number> };
  redis: { connections: number; open: number; commands: number; byCommand: Record<string, number> };
  s3: { requests: number; byMethod: Record<string, number> };
}

function emptyCounts(): WireCounts {
  return {
    postgres: { connections: 0, open: 0, statements: 0, byVerb: {} },
    redis: { connections: 0, open: 0, commands: 0, byCommand: {} },
    s3: { requests: 0, byMethod: {} },
  };
}

function add(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

/** A TCP proxy whose client-to-server bytes go through `observe` (which sees each chunk in order). */
function tcpProxy(target: Target, counts: { connections: number; open: number }, observerFor: () => (chunk: Buffer) => void): Promise<Server> {
  const server = createTcpServer((client: Socket) => {
    counts.connections += 1;
    counts.open += 1;
    const upstream = connect(target.port, target.host);
    const observe = observerFor();
    client.on('data', (chunk: Buffer) => {
      observe(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    let closed = false;
    const closeOnce = (): void => {
      if (closed) return;
      closed = true;
      counts.open -= 1;
      end();
    };
    client.on('close', closeOnce);
    upstream.on('close', closeOnce);
    client.on('error', end);
    upstream.on('error', end);
  });
  return listen(server);
}

function listen<T extends Server | ReturnType<typeof createHttpServer>>(server: T): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server | ReturnType<typeof createHttpServer>): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
  return address.port;
}

/** The first SQL word, upper-cased ("SELECT", "INSERT", "WITH", "BEGIN" …). */
function verbOf(sql: string): string {
  return (/^\s*([A-Za-z]+)/.exec(sql)?.[1] ?? '?').toUpperCase();
}

/** A cstring at `offset`: its text and the offset after its terminating zero. */
function cstring(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

/** PostgreSQL frontend messages: the startup packet (no type byte, maybe after an SSL request), then typed messages. */
function postgresObserver(counts: WireCounts['postgres']): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let inStartup = true;
  const statements = new Map<string, string>();
  const portals = new Map<string, string>();
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (inStartup) {
        if (pending.length < 8) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        // SSLRequest and GSSENCRequest come before the real startup packet.
        if (code !== 80877103 && code !== 80877104) inStartup = false;
        pending = pending.subarray(length);
        continue;
      }
      if (pending.length < 5) return;
      const type = String.fromCharCode(pending[0]!);
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) return;
      const body = pending.subarray(5, 1 + length);
      if (type === 'Q') {
        counts.statements += 1;
        add(counts.byVerb, verbOf(cstring(body, 0)[0]));
      } else if (type === 'P') {
        const [name, next] = cstring(body, 0);
        statements.set(name, cstring(body, next)[0]);
      } else if (type === 'B') {
        const [portal, next] = cstring(body, 0);
        portals.set(portal, statements.get(cstring(body, next)[0]) ?? '?');
      } else if (type === 'E') {
        counts.statements += 1;
        add(counts.byVerb, verbOf(portals.get(cstring(body, 0)[0]) ?? '?'));
      }
      pending = pending.subarray(1 + length);
    }
  };
}

/** RESP from a client: each command is an array (`*N`) of N bulk strings; the first is its name. */
function redisObserver(counts: WireCounts['redis']): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const parsed = parseCommand(pending);
      if (!parsed) return;
      counts.commands += 1;
      add(counts.byCommand, parsed.name);
      pending = pending.subarray(parsed.length);
    }
  };
}

function parseCommand(buffer: Buffer): { name: string; length: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  if (buffer[0] !== 0x2a /* '*' */) {
    // An inline command (plain text line); clients seldom send them.
    return { name: buffer.toString('utf8', 0, lineEnd).split(' ')[0]!.toUpperCase(), length: lineEnd + 2 };
  }
  const count = Number(buffer.toString('latin1', 1, lineEnd));
  let offset = lineEnd + 2;
  let name = '?';
  for (let index = 0; index < count; index += 1) {
    const headerEnd = buffer.indexOf('\r\n', offset);
    if (headerEnd < 0) return undefined;
    const size = Number(buffer.toString('latin1', offset + 1, headerEnd));
    const start = headerEnd + 2;
    if (buffer.length < start + size + 2) return undefined;
    if (index === 0) name = buffer.toString('utf8', start, start + size).toUpperCase();
    offset = start + size + 2;
  }
  return { name, length: offset };
}

/** An HTTP proxy (the AWS SDK signs the Host header, which is passed on unchanged). */
function s3Proxy(target: Target, counts: WireCounts['s3']): Promise<ReturnType<typeof createHttpServer>> {
  const server = createHttpServer((incoming, outgoing) => {
    counts.requests += 1;
    add(counts.byMethod, incoming.method ?? '?');
    const forwarded = httpRequest({ host: target.host, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', (error) => {
      process.stderr.write(`s3 counting proxy: ${error.message}\n`);
      outgoing.destroy();
    });
    incoming.pipe(forwarded);
  });
  return listen(server);
}

async function main(): Promise<void> {
  const configuration = JSON.parse(process.argv[2] ?? '{}') as CounterConfiguration;
  const counts = new Map<string, WireCounts>();
  const ports: Record<string, { postgres: number; redis: number; s3: number }> = {};
  for (const name of configuration.names) {
    const mine = emptyCounts();
    counts.set(name, mine);
    const [postgres, redis, s3] = await Promise.all([
      tcpProxy(configuration.postgres, mine.postgres, () => postgresObserver(mine.postgres)),
      tcpProxy(configuration.redis, mine.redis, () => redisObserver(mine.redis)),
      s3Proxy(configuration.s3, mine.s3),
    ]);
    ports[name] = { postgres: portOf(postgres), redis: portOf(redis), s3: portOf(s3) };
  }
  process.on('message', (message: { type: string; id: number }) => {
    if (message.type === 'snapshot') process.send?.({ type: 'snapshot', id: message.id, counts: Object.fromEntries(counts) });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', ports });
}

main().catch((error: unknown) => {
  process.stderr.write(`wire counters: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
