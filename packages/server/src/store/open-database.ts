import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** Ordered schema changes; a migration never changes once released, new ones are appended. */
export const sqliteMigrations: readonly string[] = [
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     request_json TEXT NOT NULL,
     output_json TEXT,
     error TEXT,
     cost_dollars REAL NOT NULL DEFAULT 0,
     device TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     finished_at_ms INTEGER,
     downloads_token TEXT NOT NULL UNIQUE
   );
   CREATE INDEX tasks_by_tenant ON tasks (tenant, created_at_ms DESC);
   CREATE TABLE events (
     sequence INTEGER PRIMARY KEY AUTOINCREMENT,
     task_id TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     payload_json TEXT NOT NULL,
     timestamp INTEGER NOT NULL
   );
   CREATE INDEX events_by_task ON events (task_id, timestamp);
   CREATE TABLE steps (
     task_id TEXT NOT NULL,
     step_index INTEGER NOT NULL,
     record_json TEXT NOT NULL
   );
   CREATE INDEX steps_by_task ON steps (task_id, step_index);
   CREATE TABLE downloads (
     task_id TEXT NOT NULL,
     url TEXT NOT NULL,
     file_name TEXT NOT NULL,
     path TEXT NOT NULL,
     bytes INTEGER NOT NULL
   );
   CREATE INDEX downloads_by_task ON downloads (task_id);
   CREATE TABLE profiles (
     tenant TEXT NOT NULL,
     id TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     PRIMARY KEY (tenant, id)
   );
   CREATE TABLE files (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     file_name TEXT NOT NULL,
     purpose TEXT,
     path TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     created_at_ms INTEGER NOT NULL
   );
   CREATE TABLE extensions (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     file_name TEXT NOT NULL,
     path TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL
   );
   CREATE TABLE api_keys (
     key TEXT PRIMARY KEY,
     created_at_ms INTEGER NOT NULL
   );`,
  // The task's video and its live view's token.
  `ALTER TABLE tasks ADD COLUMN recording TEXT NOT NULL DEFAULT 'off';
   ALTER TABLE tasks ADD COLUMN live_token TEXT;
   CREATE TABLE commands (
     task_id TEXT NOT NULL,
     id TEXT NOT NULL,
     action TEXT NOT NULL,
     input_json TEXT NOT NULL,
     sent_at_ms INTEGER NOT NULL
   );
   CREATE INDEX commands_by_task ON commands (task_id);`,
  // Worker leases: who runs a live task, until when. Live tasks from before had no owner: expired now.
  `ALTER TABLE tasks ADD COLUMN owner TEXT;
   ALTER TABLE tasks ADD COLUMN lease_expires_at_ms INTEGER;
   UPDATE tasks SET lease_expires_at_ms = 0 WHERE status IN ('waiting', 'running');
   CREATE INDEX live_tasks_by_owner ON tasks (owner) WHERE status IN ('waiting', 'running');
   CREATE INDEX live_tasks_by_lease ON tasks (lease_expires_at_ms) WHERE status IN ('waiting', 'running');`,
  // Files are blobs: rows keep blob keys. Paths an earlier version stored under the data directory
  // become the keys of the same files (the filesystem blob store keeps that layout).
  `ALTER TABLE files RENAME COLUMN path TO blob_key;
   UPDATE files SET blob_key = substr(blob_key, instr(blob_key, '/files/' || id || '/') + 1) WHERE instr(blob_key, '/files/' || id || '/') > 0;
   ALTER TABLE extensions RENAME COLUMN path TO blob_key;
   UPDATE extensions SET blob_key = substr(blob_key, instr(blob_key, '/extensions/' || id || '/') + 1) WHERE instr(blob_key, '/extensions/' || id || '/') > 0;
   ALTER TABLE downloads RENAME COLUMN path TO blob_key;
   UPDATE downloads SET blob_key = substr(blob_key, instr(blob_key, '/tasks/' || task_id || '/') + 1) WHERE instr(blob_key, '/tasks/' || task_id || '/') > 0;
   UPDATE steps SET record_json = json_set(json_remove(record_json, '$.screenshotPath'), '$.screenshotKey',
       substr(json_extract(record_json, '$.screenshotPath'), instr(json_extract(record_json, '$.screenshotPath'), '/tasks/' || task_id || '/') + 1))
     WHERE instr(json_extract(record_json, '$.screenshotPath'), '/tasks/' || task_id || '/') > 0;`,
  // The task's last event timestamp, stored events or reserved ones (heartbeats): appends go past both.
  `ALTER TABLE tasks ADD COLUMN last_event_ms INTEGER NOT NULL DEFAULT 0;
   UPDATE tasks SET last_event_ms = COALESCE((SELECT MAX(timestamp) FROM events WHERE events.task_id = tasks.id), 0);`,
  // Launches waiting for a worker in another process (sealed settings), and the profile writer's
  // lock: at most one live task per tenant and profile writes it back (the index refuses a second).
  `CREATE TABLE task_launches (
     task_id TEXT PRIMARY KEY,
     sealed_settings TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL
   );
   ALTER TABLE tasks ADD COLUMN writes_profile TEXT;
   CREATE UNIQUE INDEX live_profile_writers ON tasks (tenant, writes_profile) WHERE writes_profile IS NOT NULL AND status IN ('waiting', 'running');`,
];

function applyMigrations(database: SqliteDatabase): void {
  database.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)');
  const applied = database.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM migrations').get() as { version: number };
  sqliteMigrations.forEach((sql, index) => {
    const version = index + 1;
    if (version <= applied.version) return;
    database.transaction(() => {
      database.exec(sql);
      database.prepare('INSERT INTO migrations (version, applied_at_ms) VALUES (?, ?)').run(version, Date.now());
    })();
  });
}

/** Opens (creating when needed) the SQLite file and brings its schema up to date. */
export function openDatabase(path: string): SqliteDatabase {
  const database = new Database(path);
  // WAL keeps polls reading while a task writes events.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  applyMigrations(database);
  cacheStatements(database);
  return database;
}

/**
 * Every store method used to compile its SQL on each call, a third of a poll's CPU under load.
 * The stores only `get`, `all` and `run`, so one compiled statement per SQL text can be reused.
 */
function cacheStatements(database: SqliteDatabase): void {
  const compile = database.prepare.bind(database);
  const statements = new Map<string, ReturnType<typeof compile>>();
  database.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = compile(sql);
      statements.set(sql, statement);
    }
    return statement;
  }) as SqliteDatabase['prepare'];
}
