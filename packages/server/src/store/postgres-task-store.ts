import type { StepRecord, StoredTaskEvent } from '@open-smooth/protocol';
import { inTransaction, type PostgresPool } from './postgres-database.js';
import { sealRequest, type SecretSealer } from './secret-sealer.js';
import type { CommandRecord, DownloadRecord, TaskRecord, TaskStore, TaskUpdate } from './task-record.js';
import { commandFromRow, downloadFromRow, eventFromRow, serializeOutput, taskFromRow, type CommandRow, type DownloadRow, type EventRow, type TaskRow } from './task-rows.js';

const taskColumns = 'id, tenant, kind, status, request_json, output_json, error, cost_dollars, device, created_at_ms, finished_at_ms, downloads_token, recording, live_token';

/** Task storage in PostgreSQL, shared by every process of a deployment. */
export class PostgresTaskStore implements TaskStore {
  /** `sealer` encrypts the request's secrets and passwords: the database never holds them in clear. */
  constructor(
    private readonly pool: PostgresPool,
    private readonly sealer: SecretSealer,
  ) {}

  async createTask(task: TaskRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO tasks (${taskColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        task.id,
        task.tenant,
        task.kind,
        task.status,
        JSON.stringify(sealRequest(task.request, this.sealer)),
        serializeOutput(task.output),
        task.error,
        task.costDollars,
        task.device,
        task.createdAtMs,
        task.finishedAtMs,
        task.downloadsToken,
        task.recording,
        task.liveToken,
      ],
    );
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const { rows } = await this.pool.query<TaskRow>(`SELECT ${taskColumns} FROM tasks WHERE id = $1`, [id]);
    return rows[0] ? taskFromRow(rows[0], this.sealer) : undefined;
  }

  async getTaskByDownloadsToken(token: string): Promise<TaskRecord | undefined> {
    const { rows } = await this.pool.query<TaskRow>(`SELECT ${taskColumns} FROM tasks WHERE downloads_token = $1`, [token]);
    return rows[0] ? taskFromRow(rows[0], this.sealer) : undefined;
  }

  async listTasks(tenant: string, limit: number, beforeMs?: number): Promise<TaskRecord[]> {
    const { rows } = await this.pool.query<TaskRow>(
      `SELECT ${taskColumns} FROM tasks WHERE tenant = $1 AND created_at_ms < $2 ORDER BY created_at_ms DESC, position DESC LIMIT $3`,
      [tenant, beforeMs ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map((row) => taskFromRow(row, this.sealer));
  }

  async updateTask(id: string, update: TaskUpdate): Promise<void> {
    const columns: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      values.push(value);
      columns.push(`${column} = $${values.length}`);
    };
    if (update.status !== undefined) set('status', update.status);
    if (update.output !== undefined) set('output_json', serializeOutput(update.output));
    if (update.error !== undefined) set('error', update.error);
    if (update.costDollars !== undefined) set('cost_dollars', update.costDollars);
    if (update.finishedAtMs !== undefined) set('finished_at_ms', update.finishedAtMs);
    if (update.recording !== undefined) set('recording', update.recording);
    if (columns.length === 0) return;
    values.push(id);
    await this.pool.query(`UPDATE tasks SET ${columns.join(', ')} WHERE id = $${values.length}`, values);
  }

  async failLiveTasks(reason: string): Promise<number> {
    const result = await this.pool.query("UPDATE tasks SET status = 'failed', error = $1, finished_at_ms = $2 WHERE status IN ('waiting', 'running')", [reason, Date.now()]);
    return result.rowCount ?? 0;
  }

  /**
   * One statement: the UPDATE locks the task's row until the insert commits, so appends to one
   * task take turns whichever process makes them, each at least one past the one before.
   */
  async appendEvent(taskId: string, event: StoredTaskEvent): Promise<StoredTaskEvent> {
    const { rows } = await this.pool.query<{ timestamp: number }>(
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

  async listEvents(taskId: string, afterTimestamp: number): Promise<StoredTaskEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      'SELECT id, name, payload_json, timestamp FROM events WHERE task_id = $1 AND timestamp > $2 ORDER BY timestamp, sequence',
      [taskId, Math.floor(afterTimestamp)],
    );
    return rows.map(eventFromRow);
  }

  async lastEventTimestamp(taskId: string): Promise<number> {
    const { rows } = await this.pool.query<{ timestamp: number }>('SELECT COALESCE(MAX(timestamp), 0) AS timestamp FROM events WHERE task_id = $1', [taskId]);
    return rows[0]?.timestamp ?? 0;
  }

  async addStep(taskId: string, step: StepRecord): Promise<void> {
    await this.pool.query('INSERT INTO steps (task_id, step_index, record_json) VALUES ($1, $2, $3)', [taskId, step.index, JSON.stringify(step)]);
  }

  async listSteps(taskId: string): Promise<StepRecord[]> {
    const { rows } = await this.pool.query<{ record_json: string }>('SELECT record_json FROM steps WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map((row) => JSON.parse(row.record_json) as StepRecord);
  }

  async countSteps(taskIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(taskIds.map((id) => [id, 0]));
    if (taskIds.length === 0) return counts;
    const { rows } = await this.pool.query<{ task_id: string; steps: number }>(
      'SELECT task_id, COUNT(*) AS steps FROM steps WHERE task_id = ANY($1::text[]) GROUP BY task_id',
      [taskIds],
    );
    for (const row of rows) counts.set(row.task_id, row.steps);
    return counts;
  }

  async addCommand(taskId: string, command: CommandRecord): Promise<void> {
    await this.pool.query('INSERT INTO commands (task_id, id, action, input_json, sent_at_ms) VALUES ($1, $2, $3, $4, $5)', [
      taskId,
      command.id,
      command.action,
      JSON.stringify(command.input ?? null),
      command.sentAtMs,
    ]);
  }

  async listCommands(taskId: string): Promise<CommandRecord[]> {
    const { rows } = await this.pool.query<CommandRow>('SELECT id, action, input_json, sent_at_ms FROM commands WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map(commandFromRow);
  }

  async abandonPendingRecordings(): Promise<number> {
    const result = await this.pool.query("UPDATE tasks SET recording = 'none' WHERE recording = 'pending'");
    return result.rowCount ?? 0;
  }

  async addDownload(taskId: string, download: DownloadRecord): Promise<void> {
    await this.pool.query('INSERT INTO downloads (task_id, url, file_name, path, bytes) VALUES ($1, $2, $3, $4, $5)', [
      taskId,
      download.url,
      download.fileName,
      download.path,
      download.bytes,
    ]);
  }

  async listDownloads(taskId: string): Promise<DownloadRecord[]> {
    const { rows } = await this.pool.query<DownloadRow>('SELECT url, file_name, path, bytes FROM downloads WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows.map(downloadFromRow);
  }

  async eraseTaskData(taskId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const table of ['events', 'steps', 'downloads', 'commands']) await client.query(`DELETE FROM ${table} WHERE task_id = $1`, [taskId]);
      await client.query(
        `UPDATE tasks SET request_json = '{"task":null}', output_json = NULL, live_token = NULL,
           recording = CASE recording WHEN 'off' THEN 'off' ELSE 'none' END
         WHERE id = $1`,
        [taskId],
      );
    });
  }
}
