import type { StorageState } from '@open-smooth/browser';
import { BlobNotFoundError, type BlobStore } from '../blobs/blob-store.js';
import { blobKeys } from '../blobs/blob-keys.js';
import type { SecretSealer } from '../store/secret-sealer.js';

/**
 * Where profiles keep what a logged-in person keeps (cookies, localStorage, IndexedDB): one sealed
 * blob per profile, so it survives a restart and any worker can load it. Cookies are logins, so
 * the blob holds only ciphertext (see SecretSealer). Tenants are API-key hashes and ids are
 * checked by profileIdSchema, so both are safe as key segments.
 */
export class ProfileStorage {
  constructor(
    private readonly blobs: BlobStore,
    private readonly sealer: SecretSealer,
  ) {}

  /** The saved state, or undefined for a profile nothing has been saved into yet. */
  async read(tenant: string, id: string): Promise<StorageState | undefined> {
    try {
      const sealed = await this.blobs.read(blobKeys.profileState(tenant, id));
      return JSON.parse(this.sealer.unseal(sealed.toString('utf8'))) as StorageState;
    } catch (error) {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    }
  }

  /** Replaces the saved state in one step (a blob put): a reader never sees half of it. */
  async write(tenant: string, id: string, state: StorageState): Promise<void> {
    await this.blobs.put(blobKeys.profileState(tenant, id), Buffer.from(this.sealer.seal(JSON.stringify(state)), 'utf8'));
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.blobs.deletePrefix(blobKeys.profileFolder(tenant, id));
  }
}
