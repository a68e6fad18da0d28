import { createSecureContext } from 'node:tls';
import type { ClientCertificate } from '@open-smooth/browser';
import { UnusableTaskOptionError } from './task-errors.js';
import { errorMessage } from '@open-smooth/protocol';

export interface WireCertificate {
  file: string;
  password?: string | null | undefined;
  /** Open Smooth's addition: the https origin to present it to (Chromium matches origins exactly). */
  origin?: string | null | undefined;
}

const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The wire's certificates (`file`: a base64 PKCS#12 as the official SDKs send it; `password`)
 * as client certificates. The wire names no site, and the browser presents a certificate only to
 * an exact origin, so each goes to its own `origin` when given, else to the task's start URL's
 * origin. Each file is opened with its password here, so a wrong password is a 422, not a
 * failed task later.
 */
export function certificatesFromWire(certificates: readonly WireCertificate[], startUrl: string | undefined): ClientCertificate[] {
  return certificates.map((certificate, index) => {
    const where = `certificates[${index}]`;
    const origin = originFor(certificate.origin ?? undefined, startUrl, where);
    const compact = certificate.file.replace(/\s+/g, '');
    if (!base64Pattern.test(compact)) throw new UnusableTaskOptionError(`${where}.file must be the base64 of a .p12 (PKCS#12) file`);
    const pfx = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
    const passphrase = certificate.password ?? undefined;
    try {
      createSecureContext({ pfx, ...(passphrase !== undefined ? { passphrase } : {}) });
    } catch (error) {
      const reason = errorMessage(error);
      throw new UnusableTaskOptionError(`${where} cannot be opened (${reason}); send a PKCS#12 file and its password`);
    }
    return { origin, pfx, ...(passphrase !== undefined ? { passphrase } : {}) };
  });
}

function originFor(explicit: string | undefined, startUrl: string | undefined, where: string): string {
  const source = explicit ?? startUrl;
  if (source === undefined) {
    throw new UnusableTaskOptionError(`${where} needs a site: give the task a url (its origin gets the certificate) or set ${where}.origin to https://host[:port]`);
  }
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new UnusableTaskOptionError(`${where}.origin is not a URL: ${JSON.stringify(source)}`);
  }
  if (url.protocol !== 'https:') {
    throw new UnusableTaskOptionError(`${where} goes to ${url.origin}, which is not https; client certificates are presented only over TLS, so set ${where}.origin to an https origin`);
  }
  return url.origin;
}
