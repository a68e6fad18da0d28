import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';

import { useBrowserFixture, type BrowserFixture } from './browser-fixture.js';

/**
 * WebRTC is the one way a page sends UDP, and UDP does not go through the pool's SOCKS5 proxy.
 * The page (on 127.0.0.1, which this pool allows) points its ICE gathering at a STUN server and a
 * TURN-over-TCP server on 127.0.0.2, an "internal" loopback address the pool does not allow.
 * Neither may be reached, and the page may learn no address of the machine from its candidates.
 */
const internalHost = '127.0.0.2';
const fixture = useBrowserFixture('webrtc', { warmDevices: ['desktop'], allowPrivateNetwork: ['127.0.0.1'] });
/** The operator allows the internal host: TURN over TCP reaches it, through the pool's proxy; UDP still does not. */
const allowingFixture = useBrowserFixture('webrtc-allowed', { warmDevices: ['desktop'], allowPrivateNetwork: ['127.0.0.1', internalHost] });

/** A STUN server that answers binding requests with the sender's address (XOR-MAPPED-ADDRESS), as a public one would. */
interface StunServer {
  socket: Socket;
  port: number;
  /** Every datagram that arrived, as "address:port". */
  received: string[];
}

function bindingResponse(request: Buffer, remote: RemoteInfo): Buffer {
  const response = Buffer.alloc(32);
  response.writeUInt16BE(0x0101, 0);
  response.writeUInt16BE(12, 2);
  // Magic cookie and transaction id, as the request sent them.
  request.copy(response, 4, 4, 20);
  response.writeUInt16BE(0x0020, 20);
  response.writeUInt16BE(8, 22);
  response.writeUInt16BE(0x0001, 24);
  response.writeUInt16BE(remote.port ^ 0x2112, 26);
  const address = remote.address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  response.writeUInt32BE((address ^ 0x2112a442) >>> 0, 28);
  return response;
}

async function startStunServer(): Promise<StunServer> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (message, remote) => {
    received.push(`${remote.address}:${remote.port}`);
    if (message.length >= 20 && message.readUInt16BE(0) === 0x0001) socket.send(bindingResponse(message, remote), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, internalHost, resolve));
  return { socket, port: socket.address().port, received };
}

let stun: StunServer;
let turn: Server;
let turnPort = 0;
const turnConnections: string[] = [];

before(async () => {
  stun = await startStunServer();
  turn = createServer((connection) => {
    turnConnections.push(`${connection.remoteAddress ?? ''}:${connection.remotePort ?? ''}`);
    connection.destroy();
  });
  await new Promise<void>((resolve) => turn.listen(0, internalHost, resolve));
  const address = turn.address();
  turnPort = typeof address === 'object' && address ? address.port : 0;
});

after(async () => {
  stun.socket.close();
  await new Promise((resolve) => turn.close(resolve));
});

/** What the page learns from ICE gathering: every candidate line, until gathering completes. */
function gatherCandidates(servers: { stunUrl: string; turnUrl: string }): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const connection = new RTCPeerConnection({
      iceServers: [{ urls: servers.stunUrl }, { urls: servers.turnUrl, username: 'user', credential: 'password' }],
    });
    connection.createDataChannel('probe');
    const candidates: string[] = [];
    connection.onicecandidate = (event) => {
      if (event.candidate) candidates.push(event.candidate.candidate);
      else resolve(candidates);
    };
    connection
      .createOffer()
      .then((offer) => connection.setLocalDescription(offer))
      .catch(reject);
  });
}

const ipv4Literal = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The addresses the candidates name that are IP literals (not the browser's mDNS names). */
function addressesIn(candidates: string[]): string[] {
  // A candidate line: foundation component protocol priority address port "typ" type …
  const addresses = candidates.map((candidate) => candidate.split(' ')[4] ?? '');
  return addresses.filter((address) => ipv4Literal.test(address) || address.includes(':'));
}

/**
 * Opens the site in a task of `on`, gathers ICE candidates against the internal STUN and TURN
 * servers, and checks what holds whatever the operator allows: no candidate names an address of
 * the machine, and no UDP reached the STUN server.
 */
async function gatherWithoutUdp(on: BrowserFixture): Promise<void> {
  await on.withTask({}, async (task) => {
    await task.goto(`${on.site.origin}/`);
    const servers = { stunUrl: `stun:${internalHost}:${stun.port}`, turnUrl: `turn:${internalHost}:${turnPort}?transport=tcp` };
    const candidates = await task.page.evaluate(gatherCandidates, servers);
    assert.deepEqual(addressesIn(candidates), [], `candidates name addresses of the machine: ${candidates.join(' | ')}`);
    assert.deepEqual(stun.received, [], 'the STUN server on a private address was reached over UDP');
  });
}

test('a page gathers no WebRTC candidate with an address of the machine, and its STUN/TURN servers on a private host are not reached', async () => {
  await gatherWithoutUdp(fixture);
  assert.deepEqual(turnConnections, [], 'the TURN server on a private address was reached over TCP');
});

test('with the private host allowed, WebRTC reaches it only over TCP through the pool proxy, never over UDP', async () => {
  await gatherWithoutUdp(allowingFixture);
  // The proxy connects from loopback; a direct connection would too, so the first test's refusal is what shows the proxy's part.
  assert.ok(turnConnections.length > 0, 'TURN over TCP did not reach the allowed host');
});
