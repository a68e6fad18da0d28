import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Test certificates made with openssl at test time (no private key is committed). */
export interface TestCertificates {
  directory: string;
  caPemPath: string;
  /** The client certificate and key as PKCS#12, protected by `p12Password`. */
  clientP12: Buffer;
  p12Password: string;
  clientCommonName: string;
  /** base64 SHA-256 of the server's public key, for Chromium's --ignore-certificate-errors-spki-list. */
  serverSpkiHash: string;
  serverKey: Buffer;
  serverCert: Buffer;
  caCert: Buffer;
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const directory = await mkdtemp(join(tmpdir(), 'open-smooth-mtls-'));
  const at = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: directory });
  const clientCommonName = 'Ada Client';
  const p12Password = 'p12-pass-4d2e';
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=Open Smooth Test CA');
  await writeFile(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  await openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.pem'), '-days', '2', '-extfile', at('server.ext'));
  await writeFile(at('client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('client.key'), '-out', at('client.csr'), '-subj', `/CN=${clientCommonName}/O=Ledgerly Test`);
  await openssl('x509', '-req', '-in', at('client.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('client.pem'), '-days', '2', '-extfile', at('client.ext'));
  await openssl('pkcs12', '-export', '-inkey', at('client.key'), '-in', at('client.pem'), '-out', at('client.p12'), '-passout', `pass:${p12Password}`);
  const publicKey = (await openssl('x509', '-in', at('server.pem'), '-pubkey', '-noout')).stdout;
  await writeFile(at('server.pub'), publicKey);
  await openssl('pkey', '-pubin', '-in', at('server.pub'), '-outform', 'der', '-out', at('server.pub.der'));
  const { createHash } = await import('node:crypto');
  const serverSpkiHash = createHash('sha256').update(await readFile(at('server.pub.der'))).digest('base64');
  return {
    directory,
    caPemPath: at('ca.pem'),
    clientP12: await readFile(at('client.p12')),
    p12Password,
    clientCommonName,
    serverSpkiHash,
    serverKey: await readFile(at('server.key')),
    serverCert: await readFile(at('server.pem')),
    caCert: await readFile(at('ca.pem')),
  };
}

/** An HTTPS site on 127.0.0.1 that demands a client certificate signed by the test CA and records who presented one. */
export interface MtlsSite {
  origin: string;
  /** The common names of the client certificates it accepted, one per request. */
  subjects: string[];
  /** TLS handshakes that failed (for example no client certificate). */
  handshakeFailures: string[];
  close(): Promise<void>;
}

export async function startMtlsSite(certificates: TestCertificates): Promise<MtlsSite> {
  const site: MtlsSite = { origin: '', subjects: [], handshakeFailures: [], close: async () => {} };
  const server: Server = createServer(
    // TLS 1.2: a refused client certificate then fails the handshake itself. In TLS 1.3 the client
    // learns of it only after its handshake is done, as a closed connection (see navigation-failure.ts).
    { key: certificates.serverKey, cert: certificates.serverCert, ca: certificates.caCert, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      const commonName = typeof peer.subject?.CN === 'string' ? peer.subject.CN : String(peer.subject?.CN ?? '');
      site.subjects.push(commonName);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Members</title><h1 id="who">Hello ${commonName}</h1>`);
    },
  );
  server.on('tlsClientError', (error) => site.handshakeFailures.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return site;
}

export async function removeTestCertificates(certificates: TestCertificates): Promise<void> {
  await rm(certificates.directory, { recursive: true, force: true });
}

/** A client certificate the site does not trust (self-signed, not from the test CA), as PKCS#12 with the same password. */
export async function makeUntrustedClientP12(certificates: TestCertificates): Promise<Buffer> {
  const at = (name: string) => join(certificates.directory, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: certificates.directory });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('stranger.key'), '-out', at('stranger.pem'), '-days', '2', '-subj', '/CN=Stranger');
  await openssl('pkcs12', '-export', '-inkey', at('stranger.key'), '-in', at('stranger.pem'), '-out', at('stranger.p12'), '-passout', `pass:${certificates.p12Password}`);
  return readFile(at('stranger.p12'));
}
