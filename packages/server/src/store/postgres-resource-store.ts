import { runQuery, type PostgresPool } from './postgres-database.js';
import { extensionFromRow, fileFromRow, type ExtensionRow, type FileRow, type ResourceStore, type StoredExtension, type StoredFile } from './resource-store.js';

/** Profiles, files, extensions and API keys in PostgreSQL, shared by every process of a deployment. */
export class PostgresResourceStore implements ResourceStore {
  constructor(private readonly pool: PostgresPool) {}

  async createProfile(tenant: string, id: string): Promise<boolean> {
    const result = await runQuery(this.pool, 'INSERT INTO profiles (tenant, id, created_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenant, id, Date.now()]);
    return result.rowCount === 1;
  }

  async hasProfile(tenant: string, id: string): Promise<boolean> {
    const result = await runQuery(this.pool, 'SELECT 1 FROM profiles WHERE tenant = $1 AND id = $2', [tenant, id]);
    return result.rowCount === 1;
  }

  async listProfiles(tenant: string): Promise<string[]> {
    const { rows } = await runQuery<{ id: string }>(this.pool, 'SELECT id FROM profiles WHERE tenant = $1 ORDER BY created_at_ms, id', [tenant]);
    return rows.map((row) => row.id);
  }

  async deleteProfile(tenant: string, id: string): Promise<boolean> {
    const result = await runQuery(this.pool, 'DELETE FROM profiles WHERE tenant = $1 AND id = $2', [tenant, id]);
    return result.rowCount === 1;
  }

  async addFile(file: StoredFile): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO files (id, tenant, file_name, purpose, blob_key, bytes, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      file.id,
      file.tenant,
      file.fileName,
      file.purpose,
      file.blobKey,
      file.bytes,
      file.createdAtMs,
    ]);
  }

  async getFile(tenant: string, id: string): Promise<StoredFile | undefined> {
    const { rows } = await runQuery<FileRow>(this.pool, 'SELECT id, tenant, file_name, purpose, blob_key, bytes, created_at_ms FROM files WHERE tenant = $1 AND id = $2', [tenant, id]);
    return rows[0] ? fileFromRow(rows[0]) : undefined;
  }

  async listFiles(tenant: string): Promise<StoredFile[]> {
    const { rows } = await runQuery<FileRow>(this.pool, 
      'SELECT id, tenant, file_name, purpose, blob_key, bytes, created_at_ms FROM files WHERE tenant = $1 ORDER BY created_at_ms DESC, position DESC',
      [tenant],
    );
    return rows.map(fileFromRow);
  }

  async deleteFile(tenant: string, id: string): Promise<boolean> {
    const result = await runQuery(this.pool, 'DELETE FROM files WHERE tenant = $1 AND id = $2', [tenant, id]);
    return result.rowCount === 1;
  }

  async addExtension(extension: StoredExtension): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO extensions (id, tenant, file_name, blob_key, created_at_ms) VALUES ($1, $2, $3, $4, $5)', [
      extension.id,
      extension.tenant,
      extension.fileName,
      extension.blobKey,
      extension.createdAtMs,
    ]);
  }

  async getExtension(tenant: string, id: string): Promise<StoredExtension | undefined> {
    const { rows } = await runQuery<ExtensionRow>(this.pool, 'SELECT id, tenant, file_name, blob_key, created_at_ms FROM extensions WHERE tenant = $1 AND id = $2', [tenant, id]);
    return rows[0] ? extensionFromRow(rows[0]) : undefined;
  }

  async listExtensions(tenant: string): Promise<StoredExtension[]> {
    const { rows } = await runQuery<ExtensionRow>(this.pool, 'SELECT id, tenant, file_name, blob_key, created_at_ms FROM extensions WHERE tenant = $1 ORDER BY created_at_ms, id', [tenant]);
    return rows.map(extensionFromRow);
  }

  async deleteExtension(tenant: string, id: string): Promise<boolean> {
    const result = await runQuery(this.pool, 'DELETE FROM extensions WHERE tenant = $1 AND id = $2', [tenant, id]);
    return result.rowCount === 1;
  }

  async listApiKeys(): Promise<string[]> {
    const { rows } = await runQuery<{ key: string }>(this.pool, 'SELECT key FROM api_keys ORDER BY created_at_ms, key');
    return rows.map((row) => row.key);
  }

  async addApiKey(key: string): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO api_keys (key, created_at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, Date.now()]);
  }
}
