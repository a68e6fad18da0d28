// The SDK has no runtime dependencies, so its wire types are its own; a type test checks they
// match @open-smooth/protocol's (test/protocol-types.test.ts).

/** Which agent runs the task: the main model or the faster, cheaper one. */
export type Agent = 'smooth' | 'smooth-lite';
export type DeviceType = 'desktop' | 'desktop-lg' | 'mobile';
export type TaskStatus = 'waiting' | 'running' | 'done' | 'failed' | 'cancelled';
export type TaskEventName = 'browser_action' | 'session_action' | 'tool_call';

const finishedStatuses: readonly TaskStatus[] = ['done', 'failed', 'cancelled'];

/** Whether a task has stopped for good (done, failed or cancelled). */
export function isFinishedTaskStatus(status: TaskStatus): boolean {
  return finishedStatuses.includes(status);
}

/** A custom tool's signature as the task request carries it. */
export interface CustomToolSignature {
  name: string;
  description: string;
  inputs: Record<string, unknown>;
  output: string;
}

/** An event of a task's event log, as the API returns it. */
export interface TaskEvent {
  id: string;
  name: TaskEventName;
  payload: Record<string, unknown>;
  timestamp: number;
}

/**
 * A task's state. Fields are camelCase; the wire names (`credits_used`, `live_url`, ...) are
 * readable too, as in the official SDK.
 */
export interface TaskResponse {
  id: string;
  status: TaskStatus;
  output: unknown;
  /** Whole credits: 1 credit = $0.01. */
  creditsUsed: number | null;
  device: DeviceType | null;
  liveUrl: string | null;
  recordingUrl: string | null;
  downloadsUrl: string | null;
  /** Unix seconds. */
  createdAt: number | null;
  /** Why the task failed, when it did. */
  error?: string | null;
  events?: TaskEvent[] | null;
  readonly credits_used: number | null;
  readonly live_url: string | null;
  readonly recording_url: string | null;
  readonly downloads_url: string | null;
  readonly created_at: number | null;
}

/** What every session command answers: the model cost (credits, may be fractional) and seconds taken. */
export interface BaseActionResponse {
  creditsUsed: number;
  duration: number;
  readonly credits_used: number;
}
export type ActionGotoResponse = BaseActionResponse;
export interface ActionExtractResponse extends BaseActionResponse {
  output: unknown;
}
export interface ActionEvaluateJSResponse extends BaseActionResponse {
  output: unknown;
}
export interface ActionRunTaskResponse extends BaseActionResponse {
  output: unknown;
}
export interface ActionCloseResponse extends BaseActionResponse {
  output: boolean;
}

export interface ProfileResponse {
  id: string;
}
export interface UploadFileResponse {
  id: string;
}
export interface UploadExtensionResponse {
  id: string;
}
export interface Extension {
  id: string;
  fileName: string;
  /** Unix seconds. */
  creationTime: number;
  readonly file_name: string;
  readonly creation_time: number;
}
export interface TaskEventResponse {
  id: string;
}
