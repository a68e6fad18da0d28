import type { Device, StoredTaskEvent, TaskEventName, TaskRequest, TaskStatus } from '@open-smooth/protocol';
import { sealRequest, unsealRequest, type SecretSealer } from './secret-sealer.js';
import type { CommandRecord, DownloadRecord, RecordingState, TaskKind, TaskLease, TaskRecord, TaskUpdate } from './task-record.js';

/** Rows as both SQL stores (SQLite, PostgreSQL) read them: the same column names, JSON kept as text. */
export interface TaskRow {
  id: string;
  tenant: string;
  kind: string;
  status: string;
  request_json: string;
  output_json: string | null;
  error: string | null;
  cost_dollars: number;
  device: string;
  created_at_ms: number;
  finished_at_ms: number | null;
  downloads_token: string;
  recording: string;
  live_token: string | null;
}

export interface EventRow {
  id: string;
  name: string;
  payload_json: string;
  timestamp: number;
}

export interface CommandRow {
  id: string;
  action: string;
  input_json: string;
  sent_at_ms: number;
}

export interface DownloadRow {
  url: string;
  file_name: string;
  blob_key: string;
  bytes: number;
}

export function taskFromRow(row: TaskRow, sealer: SecretSealer): TaskRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    kind: row.kind as TaskKind,
    status: row.status as TaskStatus,
    request: unsealRequest(JSON.parse(row.request_json) as TaskRequest, sealer),
    output: row.output_json === null ? null : (JSON.parse(row.output_json) as unknown),
    error: row.error,
    costDollars: row.cost_dollars,
    device: row.device as Device,
    createdAtMs: row.created_at_ms,
    finishedAtMs: row.finished_at_ms,
    downloadsToken: row.downloads_token,
    recording: row.recording as RecordingState,
    liveToken: row.live_token,
  };
}

export const eventFromRow = (row: EventRow): StoredTaskEvent => ({
  id: row.id,
  name: row.name as TaskEventName,
  payload: JSON.parse(row.payload_json) as Record<string, unknown>,
  timestamp: row.timestamp,
});

export const commandFromRow = (row: CommandRow): CommandRecord => ({ id: row.id, action: row.action, input: JSON.parse(row.input_json) as unknown, sentAtMs: row.sent_at_ms });

export const downloadFromRow = (row: DownloadRow): DownloadRecord => ({ url: row.url, fileName: row.file_name, blobKey: row.blob_key, bytes: row.bytes });

export function serializeOutput(output: unknown): string | null {
  return output === undefined || output === null ? null : JSON.stringify(output);
}


/**
 * A task's row values for INSERT, in the column order id, tenant, kind, status, request_json,
 * output_json, error, cost_dollars, device, created_at_ms, finished_at_ms, downloads_token,
 * recording, live_token, owner, lease_expires_at_ms, writes_profile: the request sealed, the
 * output serialised.
 */
export function taskRowValues(task: TaskRecord, sealer: SecretSealer, lease?: TaskLease, writesProfile?: string): Array<string | number | null> {
  return [
    task.id,
    task.tenant,
    task.kind,
    task.status,
    JSON.stringify(sealRequest(task.request, sealer)),
    serializeOutput(task.output),
    task.error,
    task.costDollars,
    task.device,
    task.createdAtMs,
    task.finishedAtMs,
    task.downloadsToken,
    task.recording,
    task.liveToken,
    lease?.owner ?? null,
    lease?.expiresAtMs ?? null,
    writesProfile ?? null,
  ];
}

/** The columns and values an update sets, in order (each column's placeholder is the caller's). */
export function updatedColumns(update: TaskUpdate): Array<[column: string, value: unknown]> {
  const columns: Array<[string, unknown]> = [];
  if (update.status !== undefined) columns.push(['status', update.status]);
  if (update.output !== undefined) columns.push(['output_json', serializeOutput(update.output)]);
  if (update.error !== undefined) columns.push(['error', update.error]);
  if (update.costDollars !== undefined) columns.push(['cost_dollars', update.costDollars]);
  if (update.finishedAtMs !== undefined) columns.push(['finished_at_ms', update.finishedAtMs]);
  if (update.recording !== undefined) columns.push(['recording', update.recording]);
  return columns;
}
