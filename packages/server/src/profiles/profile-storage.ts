import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageState } from '@open-smooth/browser';
import type { SecretSealer } from '../store/secret-sealer.js';

/** The state, sealed: cookies are logins, so the file holds only ciphertext (see SecretSealer). */
const stateFileName = 'storage-state.sealed';

/**
 * Where profiles keep what a logged-in person keeps (cookies, localStorage, IndexedDB): one sealed
 * file per profile under the data directory, so it survives a restart. Tenants are API-key
 * hashes and ids are checked by profileIdSchema, so both are safe as path parts.
 */
export class ProfileStorage {
  constructor(
    private readonly dataDirectory: string,
    private readonly sealer: SecretSealer,
  ) {}

  directory(tenant: string, id: string): string {
    return join(this.dataDirectory, 'profiles', tenant, id);
  }

  async create(tenant: string, id: string): Promise<void> {
    await mkdir(this.directory(tenant, id), { recursive: true });
  }

  /** The saved state, or undefined for a profile nothing has been saved into yet. */
  async read(tenant: string, id: string): Promise<StorageState | undefined> {
    try {
      const sealed = await readFile(join(this.directory(tenant, id), stateFileName), 'utf8');
      return JSON.parse(this.sealer.unseal(sealed)) as StorageState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Replaces the saved state in one step: a reader never sees half a file. */
  async write(tenant: string, id: string, state: StorageState): Promise<void> {
    const directory = this.directory(tenant, id);
    await mkdir(directory, { recursive: true });
    const temporary = join(directory, `.${stateFileName}.${randomBytes(6).toString('hex')}`);
    await writeFile(temporary, this.sealer.seal(JSON.stringify(state)), { mode: 0o600 });
    await rename(temporary, join(directory, stateFileName));
  }

  async remove(tenant: string, id: string): Promise<void> {
    await rm(this.directory(tenant, id), { recursive: true, force: true });
  }
}
