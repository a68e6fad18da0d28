import type { SqliteDatabase } from './open-database.js';

export interface StoredFile {
  id: string;
  tenant: string;
  fileName: string;
  purpose: string | null;
  /** Where the bytes are, in the blob store. */
  blobKey: string;
  bytes: number;
  createdAtMs: number;
}

export interface StoredExtension {
  id: string;
  tenant: string;
  fileName: string;
  /** The uploaded zip, in the blob store. */
  blobKey: string;
  createdAtMs: number;
}

/** Profiles, uploaded files, extensions and API keys: everything a tenant keeps besides tasks. */
export interface ResourceStore {
  /** False when the tenant already has a profile with this id. */
  createProfile(tenant: string, id: string): Promise<boolean>;
  hasProfile(tenant: string, id: string): Promise<boolean>;
  listProfiles(tenant: string): Promise<string[]>;
  deleteProfile(tenant: string, id: string): Promise<boolean>;
  addFile(file: StoredFile): Promise<void>;
  getFile(tenant: string, id: string): Promise<StoredFile | undefined>;
  /** The tenant's files, newest first. */
  listFiles(tenant: string): Promise<StoredFile[]>;
  deleteFile(tenant: string, id: string): Promise<boolean>;
  addExtension(extension: StoredExtension): Promise<void>;
  getExtension(tenant: string, id: string): Promise<StoredExtension | undefined>;
  listExtensions(tenant: string): Promise<StoredExtension[]>;
  deleteExtension(tenant: string, id: string): Promise<boolean>;
  listApiKeys(): Promise<string[]>;
  addApiKey(key: string): Promise<void>;
}

export interface FileRow {
  id: string;
  tenant: string;
  file_name: string;
  purpose: string | null;
  blob_key: string;
  bytes: number;
  created_at_ms: number;
}

export interface ExtensionRow {
  id: string;
  tenant: string;
  file_name: string;
  blob_key: string;
  created_at_ms: number;
}

export const fileFromRow = (row: FileRow): StoredFile => ({
  id: row.id,
  tenant: row.tenant,
  fileName: row.file_name,
  purpose: row.purpose,
  blobKey: row.blob_key,
  bytes: row.bytes,
  createdAtMs: row.created_at_ms,
});

export const extensionFromRow = (row: ExtensionRow): StoredExtension => ({
  id: row.id,
  tenant: row.tenant,
  fileName: row.file_name,
  blobKey: row.blob_key,
  createdAtMs: row.created_at_ms,
});

export class SqliteResourceStore implements ResourceStore {
  constructor(private readonly database: SqliteDatabase) {}

  async createProfile(tenant: string, id: string): Promise<boolean> {
    return this.database.prepare('INSERT OR IGNORE INTO profiles (tenant, id, created_at_ms) VALUES (?, ?, ?)').run(tenant, id, Date.now()).changes === 1;
  }

  async hasProfile(tenant: string, id: string): Promise<boolean> {
    return this.database.prepare('SELECT 1 FROM profiles WHERE tenant = ? AND id = ?').get(tenant, id) !== undefined;
  }

  async listProfiles(tenant: string): Promise<string[]> {
    const rows = this.database.prepare('SELECT id FROM profiles WHERE tenant = ? ORDER BY created_at_ms, id').all(tenant) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async deleteProfile(tenant: string, id: string): Promise<boolean> {
    return this.database.prepare('DELETE FROM profiles WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  async addFile(file: StoredFile): Promise<void> {
    this.database
      .prepare('INSERT INTO files (id, tenant, file_name, purpose, blob_key, bytes, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(file.id, file.tenant, file.fileName, file.purpose, file.blobKey, file.bytes, file.createdAtMs);
  }

  async listFiles(tenant: string): Promise<StoredFile[]> {
    const rows = this.database.prepare('SELECT * FROM files WHERE tenant = ? ORDER BY created_at_ms DESC, rowid DESC').all(tenant) as FileRow[];
    return rows.map(fileFromRow);
  }

  async getFile(tenant: string, id: string): Promise<StoredFile | undefined> {
    const row = this.database.prepare('SELECT * FROM files WHERE tenant = ? AND id = ?').get(tenant, id) as FileRow | undefined;
    return row ? fileFromRow(row) : undefined;
  }

  async deleteFile(tenant: string, id: string): Promise<boolean> {
    return this.database.prepare('DELETE FROM files WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  async addExtension(extension: StoredExtension): Promise<void> {
    this.database
      .prepare('INSERT INTO extensions (id, tenant, file_name, blob_key, created_at_ms) VALUES (?, ?, ?, ?, ?)')
      .run(extension.id, extension.tenant, extension.fileName, extension.blobKey, extension.createdAtMs);
  }

  async getExtension(tenant: string, id: string): Promise<StoredExtension | undefined> {
    const row = this.database.prepare('SELECT * FROM extensions WHERE tenant = ? AND id = ?').get(tenant, id) as ExtensionRow | undefined;
    return row ? extensionFromRow(row) : undefined;
  }

  async listExtensions(tenant: string): Promise<StoredExtension[]> {
    const rows = this.database.prepare('SELECT * FROM extensions WHERE tenant = ? ORDER BY created_at_ms, id').all(tenant) as ExtensionRow[];
    return rows.map(extensionFromRow);
  }

  async deleteExtension(tenant: string, id: string): Promise<boolean> {
    return this.database.prepare('DELETE FROM extensions WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  async listApiKeys(): Promise<string[]> {
    const rows = this.database.prepare('SELECT key FROM api_keys ORDER BY created_at_ms').all() as { key: string }[];
    return rows.map((row) => row.key);
  }

  async addApiKey(key: string): Promise<void> {
    this.database.prepare('INSERT OR IGNORE INTO api_keys (key, created_at_ms) VALUES (?, ?)').run(key, Date.now());
  }
}
