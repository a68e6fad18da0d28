import type { StepRecord, StoredTaskEvent } from '@open-smooth/protocol';
import type { SqliteDatabase } from './open-database.js';
import type { SecretSealer } from './secret-sealer.js';
import { ProfileWriterTakenError, type CommandRecord, type DownloadRecord, type ClaimsToRelease, type TaskLease, type TaskRecord, type TaskStore, type TaskUpdate, type WaitingTaskRef } from './task-record.js';
import { commandFromRow, downloadFromRow, eventFromRow, taskFromRow, taskRowValues, updatedColumns, type CommandRow, type DownloadRow, type EventRow, type TaskRow } from './task-rows.js';

const liveStatus = "status IN ('waiting', 'running')";
/** A failed live task also gives up its recording, which only its worker could have finished. */
const failedColumns = "status = 'failed', finished_at_ms = ?, recording = CASE recording WHEN 'pending' THEN 'none' ELSE recording END";

export class SqliteTaskStore implements TaskStore {
  /** `sealer` encrypts the request's secrets and passwords: the database never holds them in clear. */
  constructor(
    private readonly database: SqliteDatabase,
    private readonly sealer: SecretSealer,
  ) {}

  async createTask(task: TaskRecord, lease?: TaskLease, writesProfile?: string): Promise<void> {
    try {
      this.database
        .prepare(
          `INSERT INTO tasks (id, tenant, kind, status, request_json, output_json, error, cost_dollars, device, created_at_ms, finished_at_ms, downloads_token, recording, live_token, owner, lease_expires_at_ms, writes_profile)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...taskRowValues(task, this.sealer, lease, writesProfile));
    } catch (error) {
      // The partial unique index on live writers (tenant, writes_profile) refused a second one.
      if (writesProfile !== undefined && error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('writes_profile')) {
        throw new ProfileWriterTakenError(task.tenant, writesProfile);
      }
      throw error;
    }
  }

  async profileWriter(tenant: string, profileId: string): Promise<string | undefined> {
    const row = this.database.prepare(`SELECT id FROM tasks WHERE tenant = ? AND writes_profile = ? AND ${liveStatus}`).get(tenant, profileId) as { id: string } | undefined;
    return row?.id;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = this.database.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return row ? taskFromRow(row, this.sealer) : undefined;
  }

  async getTaskByDownloadsToken(token: string): Promise<TaskRecord | undefined> {
    const row = this.database.prepare('SELECT * FROM tasks WHERE downloads_token = ?').get(token) as TaskRow | undefined;
    return row ? taskFromRow(row, this.sealer) : undefined;
  }

  async listTasks(tenant: string, limit: number, beforeMs?: number): Promise<TaskRecord[]> {
    const rows = this.database
      .prepare('SELECT * FROM tasks WHERE tenant = ? AND created_at_ms < ? ORDER BY created_at_ms DESC, rowid DESC LIMIT ?')
      .all(tenant, beforeMs ?? Number.MAX_SAFE_INTEGER, limit) as TaskRow[];
    return rows.map((row) => taskFromRow(row, this.sealer));
  }

  async updateTask(id: string, update: TaskUpdate): Promise<void> {
    const columns = updatedColumns(update);
    if (columns.length === 0) return;
    this.database.prepare(`UPDATE tasks SET ${columns.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`).run(...columns.map(([, value]) => value), id);
  }

  async updateOwnedTask(id: string, owner: string, update: TaskUpdate): Promise<boolean> {
    const columns = updatedColumns(update);
    const assignments = columns.length === 0 ? 'id = id' : columns.map(([column]) => `${column} = ?`).join(', ');
    const changes = this.database
      .prepare(`UPDATE tasks SET ${assignments} WHERE id = ? AND owner = ? AND ${liveStatus}`)
      .run(...columns.map(([, value]) => value), id, owner).changes;
    return changes === 1;
  }

  async updateWaitingTask(id: string, update: TaskUpdate): Promise<boolean> {
    const columns = updatedColumns(update);
    const assignments = columns.length === 0 ? 'id = id' : columns.map(([column]) => `${column} = ?`).join(', ');
    return this.database.prepare(`UPDATE tasks SET ${assignments} WHERE id = ? AND status = 'waiting'`).run(...columns.map(([, value]) => value), id).changes === 1;
  }

  async claimTask(taskId: string, lease: TaskLease): Promise<boolean> {
    return (
      this.database
        .prepare(
          `UPDATE tasks SET owner = ?, lease_expires_at_ms = ?
           WHERE id = ? AND status = 'waiting' AND (owner IS NULL OR lease_expires_at_ms < ?)`,
        )
        .run(lease.owner, lease.expiresAtMs, taskId, Date.now()).changes === 1
    );
  }

  async putTaskLaunch(taskId: string, settings: string): Promise<void> {
    this.database.prepare('INSERT INTO task_launches (task_id, sealed_settings, created_at_ms) VALUES (?, ?, ?)').run(taskId, this.sealer.seal(settings), Date.now());
  }

  async readTaskLaunch(taskId: string): Promise<string | undefined> {
    const row = this.database.prepare('SELECT sealed_settings FROM task_launches WHERE task_id = ?').get(taskId) as { sealed_settings: string } | undefined;
    return row ? this.sealer.unseal(row.sealed_settings) : undefined;
  }

  async deleteTaskLaunch(taskId: string): Promise<void> {
    this.database.prepare('DELETE FROM task_launches WHERE task_id = ?').run(taskId);
  }

  /** Launches of tasks that ended before a worker took them are of no more use. */
  private deleteLaunchesOf(taskIds: string[]): void {
    if (taskIds.length === 0) return;
    this.database.prepare('DELETE FROM task_launches WHERE task_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(taskIds));
  }

  async renewLeases(owner: string, expiresAtMs: number): Promise<string[]> {
    const rows = this.database
      .prepare(`UPDATE tasks SET lease_expires_at_ms = ? WHERE owner = ? AND ${liveStatus} RETURNING id`)
      .all(expiresAtMs, owner) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async getLease(taskId: string): Promise<TaskLease | undefined> {
    const row = this.database.prepare('SELECT owner, lease_expires_at_ms FROM tasks WHERE id = ?').get(taskId) as
      | { owner: string | null; lease_expires_at_ms: number | null }
      | undefined;
    return row?.owner != null && row.lease_expires_at_ms !== null ? { owner: row.owner, expiresAtMs: row.lease_expires_at_ms } : undefined;
  }

  async failTasksOf(owner: string, reason: string): Promise<string[]> {
    const rows = this.database
      .prepare(`UPDATE tasks SET error = ?, ${failedColumns} WHERE owner = ? AND ${liveStatus} RETURNING id`)
      .all(reason, Date.now(), owner) as { id: string }[];
    const failed = rows.map((row) => row.id);
    this.deleteLaunchesOf(failed);
    return failed;
  }

  async releaseUnstartedTasks(which: ClaimsToRelease): Promise<WaitingTaskRef[]> {
    const [condition, value] = 'owner' in which ? ['owner = ?', which.owner] : ['lease_expires_at_ms < ?', which.leaseExpiredBeforeMs];
    return this.database
      .prepare(
        `UPDATE tasks SET owner = NULL, lease_expires_at_ms = NULL
         WHERE status = 'waiting' AND ${condition} AND EXISTS (SELECT 1 FROM task_launches WHERE task_id = tasks.id)
         RETURNING id, tenant`,
      )
      .all(value) as WaitingTaskRef[];
  }

  async listUnclaimedTasks(createdBeforeMs: number): Promise<WaitingTaskRef[]> {
    return this.database
      .prepare(`SELECT id, tenant FROM tasks WHERE status = 'waiting' AND owner IS NULL AND created_at_ms < ? ORDER BY created_at_ms, rowid`)
      .all(createdBeforeMs) as WaitingTaskRef[];
  }

  async failExpiredLeases(nowMs: number, reason: string, waitingReason = reason): Promise<string[]> {
    const rows = this.database
      .prepare(
        `UPDATE tasks SET error = (CASE status WHEN 'waiting' THEN ? ELSE ? END) || ' (worker ' || COALESCE(owner, 'unknown') || ')', ${failedColumns}
         WHERE ${liveStatus} AND lease_expires_at_ms < ? RETURNING id`,
      )
      .all(waitingReason, reason, nowMs, nowMs) as { id: string }[];
    const failed = rows.map((row) => row.id);
    this.deleteLaunchesOf(failed);
    return failed;
  }

  async appendEvent(taskId: string, event: StoredTaskEvent): Promise<StoredTaskEvent> {
    // One transaction: SQLite serialises writers, so no other writer slips between the read and the insert.
    const timestamp = this.database.transaction(() => {
      const row = this.database
        .prepare(
          `INSERT INTO events (task_id, id, name, payload_json, timestamp)
           SELECT ?, ?, ?, ?, MAX(?, COALESCE(MAX(timestamp), 0) + 1, COALESCE((SELECT last_event_ms FROM tasks WHERE id = ?), 0) + 1)
           FROM events WHERE task_id = ?
           RETURNING timestamp`,
        )
        .get(taskId, event.id, event.name, JSON.stringify(event.payload), event.timestamp, taskId, taskId) as { timestamp: number };
      this.database.prepare('UPDATE tasks SET last_event_ms = ? WHERE id = ?').run(row.timestamp, taskId);
      return row.timestamp;
    })();
    return timestamp === event.timestamp ? event : { ...event, timestamp };
  }

  async reserveEventTimestamp(taskId: string, proposed: number): Promise<number> {
    const row = this.database
      .prepare(
        `UPDATE tasks SET last_event_ms = MAX(?, last_event_ms + 1, COALESCE((SELECT MAX(timestamp) FROM events WHERE events.task_id = tasks.id), 0) + 1)
         WHERE id = ? RETURNING last_event_ms`,
      )
      .get(proposed, taskId) as { last_event_ms: number } | undefined;
    return row?.last_event_ms ?? proposed;
  }

  async listEvents(taskId: string, afterTimestamp: number): Promise<StoredTaskEvent[]> {
    const rows = this.database
      .prepare('SELECT id, name, payload_json, timestamp FROM events WHERE task_id = ? AND timestamp > ? ORDER BY timestamp, sequence')
      .all(taskId, afterTimestamp) as EventRow[];
    return rows.map(eventFromRow);
  }

  async lastEventTimestamp(taskId: string): Promise<number> {
    const row = this.database.prepare('SELECT COALESCE(MAX(timestamp), 0) AS timestamp FROM events WHERE task_id = ?').get(taskId) as {
      timestamp: number;
    };
    return row.timestamp;
  }

  async addStep(taskId: string, step: StepRecord): Promise<void> {
    this.database.prepare('INSERT INTO steps (task_id, step_index, record_json) VALUES (?, ?, ?)').run(taskId, step.index, JSON.stringify(step));
  }

  async listSteps(taskId: string): Promise<StepRecord[]> {
    const rows = this.database.prepare('SELECT record_json FROM steps WHERE task_id = ? ORDER BY rowid').all(taskId) as { record_json: string }[];
    return rows.map((row) => JSON.parse(row.record_json) as StepRecord);
  }

  async countSteps(taskIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(taskIds.map((id) => [id, 0]));
    if (taskIds.length === 0) return counts;
    const rows = this.database
      .prepare(`SELECT task_id, COUNT(*) AS steps FROM steps WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id`)
      .all(JSON.stringify(taskIds)) as { task_id: string; steps: number }[];
    for (const row of rows) counts.set(row.task_id, row.steps);
    return counts;
  }

  async addCommand(taskId: string, command: CommandRecord): Promise<void> {
    this.database
      .prepare('INSERT INTO commands (task_id, id, action, input_json, sent_at_ms) VALUES (?, ?, ?, ?, ?)')
      .run(taskId, command.id, command.action, JSON.stringify(command.input ?? null), command.sentAtMs);
  }

  async listCommands(taskId: string): Promise<CommandRecord[]> {
    const rows = this.database.prepare('SELECT id, action, input_json, sent_at_ms FROM commands WHERE task_id = ? ORDER BY rowid').all(taskId) as CommandRow[];
    return rows.map(commandFromRow);
  }

  async addDownload(taskId: string, download: DownloadRecord): Promise<void> {
    this.database
      .prepare('INSERT INTO downloads (task_id, url, file_name, blob_key, bytes) VALUES (?, ?, ?, ?, ?)')
      .run(taskId, download.url, download.fileName, download.blobKey, download.bytes);
  }

  async listDownloads(taskId: string): Promise<DownloadRecord[]> {
    const rows = this.database.prepare('SELECT url, file_name, blob_key, bytes FROM downloads WHERE task_id = ? ORDER BY rowid').all(taskId) as DownloadRow[];
    return rows.map(downloadFromRow);
  }

  async eraseTaskData(taskId: string): Promise<void> {
    this.database.transaction(() => {
      for (const table of ['events', 'steps', 'downloads', 'commands', 'task_launches']) this.database.prepare(`DELETE FROM ${table} WHERE task_id = ?`).run(taskId);
      this.database
        .prepare(
          "UPDATE tasks SET request_json = json_object('task', NULL), output_json = NULL, live_token = NULL, recording = CASE recording WHEN 'off' THEN 'off' ELSE 'none' END WHERE id = ?",
        )
        .run(taskId);
    })();
  }
}
