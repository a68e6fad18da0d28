import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskRequest } from '@open-smooth/protocol';

const sealedPrefix = 'sealed:v1:';
const keyFileName = 'server-secret.key';

/**
 * Encrypts what a task needs but a database reader must not see (secrets, proxy and
 * certificate passwords) with AES-256-GCM under a key kept in the data directory (mode 0600),
 * beside the database but not in it: a copied database file or WAL holds only ciphertext.
 */
export class SecretSealer {
  private constructor(private readonly key: Buffer) {}

  /** Reads the data directory's key, creating it on first use. */
  static forDataDirectory(dataDirectory: string): SecretSealer {
    const path = join(dataDirectory, keyFileName);
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key; remove it to make a new one (stored secrets of old tasks then become unreadable)`);
    return new SecretSealer(key);
  }

  /** A base64 key of 32 bytes, e.g. from `openssl rand -base64 32`. */
  static fromBase64Key(text: string, source: string): SecretSealer {
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${source} must be 32 bytes in base64 (e.g. the output of: openssl rand -base64 32)`);
    return new SecretSealer(key);
  }

  /**
   * SMOOTH_SECRET_KEY when set (every process sharing a database needs the same key), else the
   * data directory's key file.
   */
  static fromEnvironmentOrDataDirectory(environment: NodeJS.ProcessEnv, dataDirectory: string): SecretSealer {
    const fromEnvironment = environment.SMOOTH_SECRET_KEY;
    return fromEnvironment ? SecretSealer.fromBase64Key(fromEnvironment, 'SMOOTH_SECRET_KEY') : SecretSealer.forDataDirectory(dataDirectory);
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const encrypted = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return sealedPrefix + Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
  }

  unseal(sealed: string): string {
    if (!sealed.startsWith(sealedPrefix)) throw new Error('not a sealed value');
    const bytes = Buffer.from(sealed.slice(sealedPrefix.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch (error) {
      // GCM's check failed: another key sealed it (the only other cause is a changed value).
      throw new Error('a sealed value does not open with this process\'s secret key: every process sharing the database needs the same SMOOTH_SECRET_KEY', { cause: error });
    }
  }
}

/** The sensitive fields of a request, taken out before it is stored. */
interface SealedFields {
  secrets?: TaskRequest['secrets'];
  proxy_password?: TaskRequest['proxy_password'];
  certificate_passwords?: Array<string | null | undefined>;
}

type StoredRequest = TaskRequest & { sealed?: string };

/** The request as stored: sensitive fields replaced by one sealed blob. */
export function sealRequest(request: TaskRequest, sealer: SecretSealer): StoredRequest {
  const fields: SealedFields = {};
  const stored: StoredRequest = { ...request };
  if (request.secrets !== undefined && request.secrets !== null) {
    fields.secrets = request.secrets;
    delete stored.secrets;
  }
  if (request.proxy_password !== undefined && request.proxy_password !== null) {
    fields.proxy_password = request.proxy_password;
    delete stored.proxy_password;
  }
  if (request.certificates?.some((certificate) => certificate.password)) {
    fields.certificate_passwords = request.certificates.map((certificate) => certificate.password);
    stored.certificates = request.certificates.map(({ password: _password, ...rest }) => rest);
  }
  if (Object.keys(fields).length > 0) stored.sealed = sealer.seal(JSON.stringify(fields));
  return stored;
}

/** The request as it came in, sensitive fields restored. */
export function unsealRequest(stored: StoredRequest, sealer: SecretSealer): TaskRequest {
  const { sealed, ...request } = stored;
  if (sealed === undefined) return request;
  const fields = JSON.parse(sealer.unseal(sealed)) as SealedFields;
  if (fields.secrets !== undefined) request.secrets = fields.secrets;
  if (fields.proxy_password !== undefined) request.proxy_password = fields.proxy_password;
  if (fields.certificate_passwords && request.certificates) {
    request.certificates = request.certificates.map((certificate, index) => ({ ...certificate, password: fields.certificate_passwords?.[index] ?? null }));
  }
  return request;
}
