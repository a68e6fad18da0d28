import type { StepRecord, StoredTaskEvent } from '@open-smooth/protocol';
import { inTransaction, runQuery, type PostgresPool } from './postgres-database.js';
import type { SecretSealer } from './secret-sealer.js';
import { ProfileWriterTakenError, type CommandRecord, type DownloadRecord, type ClaimsToRelease, type TaskLease, type TaskRecord, type TaskStore, type TaskUpdate, type WaitingTaskRef } from './task-record.js';
import { commandFromRow, downloadFromRow, eventFromRow, taskFromRow, taskRowValues, updatedColumns, type CommandRow, type DownloadRow, type EventRow, type TaskRow } from './task-rows.js';

const taskColumns = 'id, tenant, kind, status, request_json, output_json, error, cost_dollars, device, created_at_ms, finished_at_ms, downloads_token, recording, live_token';

const liveStatus = "status IN ('waiting', 'running')";
/** A failed live task also gives up its recording, which only its worker could have finished ($2 = now). */
const failedColumns = "status = 'failed', finished_at_ms = $2, recording = CASE recording WHEN 'pending' THEN 'none' ELSE recording END";

/** Task storage in PostgreSQL, shared by every process of a deployment. */
export class PostgresTaskStore implements TaskStore {
  /** `sealer` encrypts the request's secrets and passwords: the database never holds them in clear. */
  constructor(
    private readonly pool: PostgresPool,
    private readonly sealer: SecretSealer,
  ) {}

  async createTask(task: TaskRecord, lease?: TaskLease, writesProfile?: string): Promise<void> {
    try {
      await runQuery(
        this.pool,
        `INSERT INTO tasks (${taskColumns}, owner, lease_expires_at_ms, writes_profile) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        taskRowValues(task, this.sealer, lease, writesProfile),
      );
    } catch (error) {
      // The partial unique index on live writers refused a second one (unique_violation).
      if (writesProfile !== undefined && error instanceof Error && 'constraint' in error && error.constraint === 'live_profile_writers') {
        throw new ProfileWriterTakenError(task.tenant, writesProfile);
      }
      throw error;
    }
  }

  async profileWriter(tenant: string, profileId: string): Promise<string | undefined> {
    const { rows } = await runQuery<{ id: string }>(this.pool, `SELECT id FROM tasks WHERE tenant = $1 AND writes_profile = $2 AND ${liveStatus}`, [tenant, profileId]);
    return rows[0]?.id;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const { rows } = await runQuery<TaskRow>(this.pool, `SELECT ${taskColumns} FROM tasks WHERE id = $1`, [id]);
    return rows[0] ? taskFromRow(rows[0], this.sealer) : undefined;
  }

  async getTaskByDownloadsToken(token: string): Promise<TaskRecord | undefined> {
    const { rows } = await runQuery<TaskRow>(this.pool, `SELECT ${taskColumns} FROM tasks WHERE downloads_token = $1`, [token]);
    return rows[0] ? taskFromRow(rows[0], this.sealer) : undefined;
  }

  async listTasks(tenant: string, limit: number, beforeMs?: number): Promise<TaskRecord[]> {
    const { rows } = await runQuery<TaskRow>(this.pool, 
      `SELECT ${taskColumns} FROM tasks WHERE tenant = $1 AND created_at_ms < $2 ORDER BY created_at_ms DESC, position DESC LIMIT $3`,
      [tenant, beforeMs ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map((row) => taskFromRow(row, this.sealer));
  }

  async updateTask(id: string, update: TaskUpdate): Promise<void> {
    const columns = updatedColumns(update);
    if (columns.length === 0) return;
    const assignments = columns.map(([column], index) => `${column} = $${index + 2}`).join(', ');
    await runQuery(this.pool, `UPDATE tasks SET ${assignments} WHERE id = $1`, [id, ...columns.map(([, value]) => value)]);
  }

  async updateOwnedTask(id: string, owner: string, update: TaskUpdate): Promise<boolean> {
    const columns = updatedColumns(update);
    const assignments = columns.length === 0 ? 'id = id' : columns.map(([column], index) => `${column} = $${index + 3}`).join(', ');
    const result = await runQuery(this.pool, `UPDATE tasks SET ${assignments} WHERE id = $1 AND owner = $2 AND ${liveStatus}`, [id, owner, ...columns.map(([, value]) => value)]);
    return result.rowCount === 1;
  }

  async updateWaitingTask(id: string, update: TaskUpdate): Promise<boolean> {
    const columns = updatedColumns(update);
    const assignments = columns.length === 0 ? 'id = id' : columns.map(([column], index) => `${column} = $${index + 2}`).join(', ');
    const result = await runQuery(this.pool, `UPDATE tasks SET ${assignments} WHERE id = $1 AND status = 'waiting'`, [id, ...columns.map(([, value]) => value)]);
    return result.rowCount === 1;
  }

  async claimTask(taskId: string, lease: TaskLease): Promise<boolean> {
    const result = await runQuery(this.pool, 
      `UPDATE tasks SET owner = $1, lease_expires_at_ms = $2
       WHERE id = $3 AND status = 'waiting' AND (owner IS NULL OR lease_expires_at_ms < $4)`,
      [lease.owner, lease.expiresAtMs, taskId, Date.now()],
    );
    return result.rowCount === 1;
  }

  async putTaskLaunch(taskId: string, settings: string): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO task_launches (task_id, sealed_settings, created_at_ms) VALUES ($1, $2, $3)', [taskId, this.sealer.seal(settings), Date.now()]);
  }

  async readTaskLaunch(taskId: string): Promise<string | undefined> {
    const { rows } = await runQuery<{ sealed_settings: string }>(this.pool, 'SELECT sealed_settings FROM task_launches WHERE task_id = $1', [taskId]);
    return rows[0] ? this.sealer.unseal(rows[0].sealed_settings) : undefined;
  }

  async deleteTaskLaunch(taskId: string): Promise<void> {
    await runQuery(this.pool, 'DELETE FROM task_launches WHERE task_id = $1', [taskId]);
  }

  /** Launches of tasks that ended before a worker took them are of no more use. */
  private async deleteLaunchesOf(taskIds: string[]): Promise<void> {
    if (taskIds.length > 0) await runQuery(this.pool, 'DELETE FROM task_launches WHERE task_id = ANY($1::text[])', [taskIds]);
  }

  async renewLeases(owner: string, expiresAtMs: number): Promise<string[]> {
    const { rows } = await runQuery<{ id: string }>(this.pool, `UPDATE tasks SET lease_expires_at_ms = $1 WHERE owner = $2 AND ${liveStatus} RETURNING id`, [expiresAtMs, owner]);
    return rows.map((row) => row.id);
  }

  async getLease(taskId: string): Promise<TaskLease | undefined> {
    const { rows } = await runQuery<{ owner: string | null; lease_expires_at_ms: number | null }>(this.pool, 'SELECT owner, lease_expires_at_ms FROM tasks WHERE id = $1', [taskId]);
    const row = rows[0];
    return row?.owner != null && row.lease_expires_at_ms !== null ? { owner: row.owner, expiresAtMs: row.lease_expires_at_ms } : undefined;
  }

  async failTasksOf(owner: string, reason: string): Promise<string[]> {
    const { rows } = await runQuery<{ id: string }>(this.pool, `UPDATE tasks SET error = $1, ${failedColumns} WHERE owner = $3 AND ${liveStatus} RETURNING id`, [reason, Date.now(), owner]);
    const failed = rows.map((row) => row.id);
    await this.deleteLaunchesOf(failed);
    return failed;
  }

  async releaseUnstartedTasks(which: ClaimsToRelease): Promise<WaitingTaskRef[]> {
    const [condition, value] = 'owner' in which ? ['owner = $1', which.owner] : ['lease_expires_at_ms < $1', which.leaseExpiredBeforeMs];
    const { rows } = await runQuery<WaitingTaskRef>(
      this.pool,
      `UPDATE tasks SET owner = NULL, lease_expires_at_ms = NULL
       WHERE status = 'waiting' AND ${condition} AND EXISTS (SELECT 1 FROM task_launches WHERE task_id = tasks.id)
       RETURNING id, tenant`,
      [value],
    );
    return rows.map((row) => ({ id: row.id, tenant: row.tenant }));
  }

  async listUnclaimedTasks(createdBeforeMs: number): Promise<WaitingTaskRef[]> {
    const { rows } = await runQuery<WaitingTaskRef>(
      this.pool,
      `SELECT id, tenant FROM tasks WHERE status = 'waiting' AND owner IS NULL AND created_at_ms < $1 ORDER BY created_at_ms, position`,
      [createdBeforeMs],
    );
    return rows.map((row) => ({ id: row.id, tenant: row.tenant }));
  }

  async failExpiredLeases(nowMs: number, reason: string, waitingReason = reason): Promise<string[]> {
    const { rows } = await runQuery<{ id: string }>(this.pool, 
      `UPDATE tasks SET error = (CASE status WHEN 'waiting' THEN $3 ELSE $1 END) || ' (worker ' || COALESCE(owner, 'unknown') || ')', ${failedColumns}
       WHERE ${liveStatus} AND lease_expires_at_ms < $2 RETURNING id`,
      [reason, nowMs, waitingReason],
    );
    const failed = rows.map((row) => row.id);
    await this.deleteLaunchesOf(failed);
    return failed;
  }

  /**
   * One statement: the UPDATE locks the task's row until the insert commits, so appends to one
   * task take turns whichever process makes them, each at least one past the one before.
   */
  async appendEvent(taskId: string, event: StoredTaskEvent): Promise<StoredTaskEvent> {
    const { rows } = await runQuery<{ timestamp: number }>(this.pool, 
      `WITH stamped AS (
         UPDATE tasks SET last_event_ms = GREATEST($5::bigint, last_event_ms + 1) WHERE id = $1 RETURNING last_event_ms
       )
       INSERT INTO events (task_id, id, name, payload_json, timestamp)
       SELECT $1, $2, $3, $4, last_event_ms FROM stamped
       RETURNING timestamp`,
      [taskId, event.id, event.name, JSON.stringify(event.payload), event.timestamp],
    );
    const timestamp = rows[0]?.timestamp;
    if (timestamp === undefined) throw new Error(`cannot store an event of task ${taskId}: there is no such task`);
    return timestamp === event.timestamp ? event : { ...event, timestamp };
  }

  async reserveEventTimestamp(taskId: string, proposed: number): Promise<number> {
    const { rows } = await runQuery<{ last_event_ms: number }>(
      this.pool,
      'UPDATE tasks SET last_event_ms = GREATEST($2::bigint, last_event_ms + 1) WHERE id = $1 RETURNING last_event_ms',
      [taskId, proposed],
    );
    return rows[0]?.last_event_ms ?? proposed;
  }

  async listEvents(taskId: string, afterTimestamp: number): Promise<StoredTaskEvent[]> {
    const { rows } = await runQuery<EventRow>(this.pool, 
      'SELECT id, name, payload_json, timestamp FROM events WHERE task_id = $1 AND timestamp > $2 ORDER BY timestamp, sequence',
      [taskId, Math.floor(afterTimestamp)],
    );
    return rows.map(eventFromRow);
  }

  async lastEventTimestamp(taskId: string): Promise<number> {
    const { rows } = await runQuery<{ timestamp: number }>(this.pool, 'SELECT COALESCE(MAX(timestamp), 0) AS timestamp FROM events WHERE task_id = $1', [taskId]);
    return rows[0]?.timestamp ?? 0;
  }

  async addStep(taskId: string, step: StepRecord): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO steps (task_id, step_index, record_json) VALUES ($1, $2, $3)', [taskId, step.index, JSON.stringify(step)]);
  }

  async listSteps(taskId: string): Promise<StepRecord[]> {
    const { rows } = await runQuery<{ record_json: string }>(this.pool, 'SELECT record_json FROM steps WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map((row) => JSON.parse(row.record_json) as StepRecord);
  }

  async countSteps(taskIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(taskIds.map((id) => [id, 0]));
    if (taskIds.length === 0) return counts;
    const { rows } = await runQuery<{ task_id: string; steps: number }>(this.pool, 
      'SELECT task_id, COUNT(*) AS steps FROM steps WHERE task_id = ANY($1::text[]) GROUP BY task_id',
      [taskIds],
    );
    for (const row of rows) counts.set(row.task_id, row.steps);
    return counts;
  }

  async addCommand(taskId: string, command: CommandRecord): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO commands (task_id, id, action, input_json, sent_at_ms) VALUES ($1, $2, $3, $4, $5)', [
      taskId,
      command.id,
      command.action,
      JSON.stringify(command.input ?? null),
      command.sentAtMs,
    ]);
  }

  async listCommands(taskId: string): Promise<CommandRecord[]> {
    const { rows } = await runQuery<CommandRow>(this.pool, 'SELECT id, action, input_json, sent_at_ms FROM commands WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map(commandFromRow);
  }

  async addDownload(taskId: string, download: DownloadRecord): Promise<void> {
    await runQuery(this.pool, 'INSERT INTO downloads (task_id, url, file_name, blob_key, bytes) VALUES ($1, $2, $3, $4, $5)', [
      taskId,
      download.url,
      download.fileName,
      download.blobKey,
      download.bytes,
    ]);
  }

  async listDownloads(taskId: string): Promise<DownloadRecord[]> {
    const { rows } = await runQuery<DownloadRow>(this.pool, 'SELECT url, file_name, blob_key, bytes FROM downloads WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map(downloadFromRow);
  }

  async eraseTaskData(taskId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const table of ['events', 'steps', 'downloads', 'commands', 'task_launches']) await runQuery(client, `DELETE FROM ${table} WHERE task_id = $1`, [taskId]);
      await runQuery(client, 
        `UPDATE tasks SET request_json = '{"task":null}', output_json = NULL, live_token = NULL,
           recording = CASE recording WHEN 'off' THEN 'off' ELSE 'none' END
         WHERE id = $1`,
        [taskId],
      );
    });
  }
}
