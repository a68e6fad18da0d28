import type { AgentTier, Device, TaskEventName, TaskStatus } from '@open-smooth/protocol';

export type { AgentTier as Agent, Device as DeviceType, TaskStatus } from '@open-smooth/protocol';

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
  device: Device | null;
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
