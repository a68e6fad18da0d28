/**
 * The PostgreSQL schema as ordered changes (migratePostgres applies the missing ones). A migration
 * never changes once released; new ones are appended. Tables mirror SQLite's (open-database.ts);
 * `position` columns give the insertion order that SQLite's rowid gives.
 */
export const postgresMigrations: readonly string[] = [
  `CREATE TABLE tasks (
     position BIGSERIAL UNIQUE,
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     request_json TEXT NOT NULL,
     output_json TEXT,
     error TEXT,
     cost_dollars DOUBLE PRECISION NOT NULL DEFAULT 0,
     device TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     finished_at_ms BIGINT,
     downloads_token TEXT NOT NULL UNIQUE,
     recording TEXT NOT NULL DEFAULT 'off',
     live_token TEXT,
     -- The timestamp of the task's last event: appends lock this row, so they take turns per task.
     last_event_ms BIGINT NOT NULL DEFAULT 0
   );
   CREATE INDEX tasks_by_tenant ON tasks (tenant, created_at_ms DESC, position DESC);
   CREATE INDEX live_tasks ON tasks (status) WHERE status IN ('waiting', 'running');
   CREATE TABLE events (
     sequence BIGSERIAL PRIMARY KEY,
     task_id TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     payload_json TEXT NOT NULL,
     timestamp BIGINT NOT NULL
   );
   CREATE UNIQUE INDEX events_by_task ON events (task_id, timestamp);
   CREATE TABLE steps (
     position BIGSERIAL PRIMARY KEY,
     task_id TEXT NOT NULL,
     step_index INTEGER NOT NULL,
     record_json TEXT NOT NULL
   );
   CREATE INDEX steps_by_task ON steps (task_id, position);
   CREATE TABLE downloads (
     position BIGSERIAL PRIMARY KEY,
     task_id TEXT NOT NULL,
     url TEXT NOT NULL,
     file_name TEXT NOT NULL,
     path TEXT NOT NULL,
     bytes BIGINT NOT NULL
   );
   CREATE INDEX downloads_by_task ON downloads (task_id, position);
   CREATE TABLE commands (
     position BIGSERIAL PRIMARY KEY,
     task_id TEXT NOT NULL,
     id TEXT NOT NULL,
     action TEXT NOT NULL,
     input_json TEXT NOT NULL,
     sent_at_ms BIGINT NOT NULL
   );
   CREATE INDEX commands_by_task ON commands (task_id, position);
   CREATE TABLE profiles (
     tenant TEXT NOT NULL,
     id TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     PRIMARY KEY (tenant, id)
   );
   CREATE TABLE files (
     position BIGSERIAL UNIQUE,
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     file_name TEXT NOT NULL,
     purpose TEXT,
     path TEXT NOT NULL,
     bytes BIGINT NOT NULL,
     created_at_ms BIGINT NOT NULL
   );
   CREATE INDEX files_by_tenant ON files (tenant, created_at_ms DESC, position DESC);
   CREATE TABLE extensions (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     file_name TEXT NOT NULL,
     path TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL
   );
   CREATE INDEX extensions_by_tenant ON extensions (tenant, created_at_ms, id);
   CREATE TABLE api_keys (
     key TEXT PRIMARY KEY,
     created_at_ms BIGINT NOT NULL
   );`,
  // Worker leases: who runs a live task, until when. Live tasks from before had no owner: expired now.
  `ALTER TABLE tasks ADD COLUMN owner TEXT;
   ALTER TABLE tasks ADD COLUMN lease_expires_at_ms BIGINT;
   UPDATE tasks SET lease_expires_at_ms = 0 WHERE status IN ('waiting', 'running');
   CREATE INDEX live_tasks_by_owner ON tasks (owner) WHERE status IN ('waiting', 'running');
   CREATE INDEX live_tasks_by_lease ON tasks (lease_expires_at_ms) WHERE status IN ('waiting', 'running');`,
  // Files are blobs (see blobs/blob-keys.ts): rows keep blob keys, as SQLite's migration 4 does.
  `ALTER TABLE files RENAME COLUMN path TO blob_key;
   ALTER TABLE extensions RENAME COLUMN path TO blob_key;
   ALTER TABLE downloads RENAME COLUMN path TO blob_key;`,
  // Launches waiting for a worker (sealed settings), and the profile writer's lock: at most one
  // live task per tenant and profile writes it back (the index refuses a second, atomically).
  `CREATE TABLE task_launches (
     task_id TEXT PRIMARY KEY,
     sealed_settings TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL
   );
   ALTER TABLE tasks ADD COLUMN writes_profile TEXT;
   CREATE UNIQUE INDEX live_profile_writers ON tasks (tenant, writes_profile) WHERE writes_profile IS NOT NULL AND status IN ('waiting', 'running');`,
];
