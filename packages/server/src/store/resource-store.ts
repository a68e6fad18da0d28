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
  createProfile(tenant: string, id: string): boolean;
  hasProfile(tenant: string, id: string): boolean;
  listProfiles(tenant: string): string[];
  deleteProfile(tenant: string, id: string): boolean;
  addFile(file: StoredFile): void;
  getFile(tenant: string, id: string): StoredFile | undefined;
  /** The tenant's files, newest first. */
  listFiles(tenant: string): StoredFile[];
  deleteFile(tenant: string, id: string): boolean;
  addExtension(extension: StoredExtension): void;
  getExtension(tenant: string, id: string): StoredExtension | undefined;
  listExtensions(tenant: string): StoredExtension[];
  deleteExtension(tenant: string, id: string): boolean;
  listApiKeys(): string[];
  addApiKey(key: string): void;
}

interface FileRow {
  id: string;
  tenant: string;
  file_name: string;
  purpose: string | null;
  blob_key: string;
  bytes: number;
  created_at_ms: number;
}

interface ExtensionRow {
  id: string;
  tenant: string;
  file_name: string;
  blob_key: string;
  created_at_ms: number;
}

const extensionFromRow = (row: ExtensionRow): StoredExtension => ({
  id: row.id,
  tenant: row.tenant,
  fileName: row.file_name,
  blobKey: row.blob_key,
  createdAtMs: row.created_at_ms,
});

export class SqliteResourceStore implements ResourceStore {
  constructor(private readonly database: SqliteDatabase) {}

  createProfile(tenant: string, id: string): boolean {
    return this.database.prepare('INSERT OR IGNORE INTO profiles (tenant, id, created_at_ms) VALUES (?, ?, ?)').run(tenant, id, Date.now()).changes === 1;
  }

  hasProfile(tenant: string, id: string): boolean {
    return this.database.prepare('SELECT 1 FROM profiles WHERE tenant = ? AND id = ?').get(tenant, id) !== undefined;
  }

  listProfiles(tenant: string): string[] {
    const rows = this.database.prepare('SELECT id FROM profiles WHERE tenant = ? ORDER BY created_at_ms, id').all(tenant) as { id: string }[];
    return rows.map((row) => row.id);
  }

  deleteProfile(tenant: string, id: string): boolean {
    return this.database.prepare('DELETE FROM profiles WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  addFile(file: StoredFile): void {
    this.database
      .prepare('INSERT INTO files (id, tenant, file_name, purpose, blob_key, bytes, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(file.id, file.tenant, file.fileName, file.purpose, file.blobKey, file.bytes, file.createdAtMs);
  }

  listFiles(tenant: string): StoredFile[] {
    const rows = this.database.prepare('SELECT id FROM files WHERE tenant = ? ORDER BY created_at_ms DESC, rowid DESC').all(tenant) as { id: string }[];
    return rows.map((row) => this.getFile(tenant, row.id)).filter((file): file is StoredFile => file !== undefined);
  }

  getFile(tenant: string, id: string): StoredFile | undefined {
    const row = this.database.prepare('SELECT * FROM files WHERE tenant = ? AND id = ?').get(tenant, id) as FileRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      tenant: row.tenant,
      fileName: row.file_name,
      purpose: row.purpose,
      blobKey: row.blob_key,
      bytes: row.bytes,
      createdAtMs: row.created_at_ms,
    };
  }

  deleteFile(tenant: string, id: string): boolean {
    return this.database.prepare('DELETE FROM files WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  addExtension(extension: StoredExtension): void {
    this.database
      .prepare('INSERT INTO extensions (id, tenant, file_name, blob_key, created_at_ms) VALUES (?, ?, ?, ?, ?)')
      .run(extension.id, extension.tenant, extension.fileName, extension.blobKey, extension.createdAtMs);
  }

  getExtension(tenant: string, id: string): StoredExtension | undefined {
    const row = this.database.prepare('SELECT * FROM extensions WHERE tenant = ? AND id = ?').get(tenant, id) as ExtensionRow | undefined;
    return row ? extensionFromRow(row) : undefined;
  }

  listExtensions(tenant: string): StoredExtension[] {
    const rows = this.database.prepare('SELECT * FROM extensions WHERE tenant = ? ORDER BY created_at_ms, id').all(tenant) as ExtensionRow[];
    return rows.map(extensionFromRow);
  }

  deleteExtension(tenant: string, id: string): boolean {
    return this.database.prepare('DELETE FROM extensions WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }

  listApiKeys(): string[] {
    const rows = this.database.prepare('SELECT key FROM api_keys ORDER BY created_at_ms').all() as { key: string }[];
    return rows.map((row) => row.key);
  }

  addApiKey(key: string): void {
    this.database.prepare('INSERT OR IGNORE INTO api_keys (key, created_at_ms) VALUES (?, ?)').run(key, Date.now());
  }
}
