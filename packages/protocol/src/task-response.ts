import type { Device } from './device.js';
import type { PolledTaskEvent } from './task-event.js';
import type { TaskStatus } from './task-status.js';

/** GET /task/{id} payload (inside the `r` envelope). */
export interface TaskResponse {
  id: string;
  status: TaskStatus;
  output: unknown;
  /** Whole credits, rounded up: 1 credit = $0.01. */
  credits_used: number | null;
  device: Device | null;
  live_url: string | null;
  /** null = not ready yet, "" = none (recording off), else a URL. */
  recording_url: string | null;
  /** Computed only with ?downloads=true; "" = nothing was downloaded. */
  downloads_url: string | null;
  created_at: number | null;
  error?: string | null;
  /** Only while `waiting`: its place in its API key's queue and why it waits (clients may ignore it). */
  queue?: { position: number; reason: string };
  events?: PolledTaskEvent[] | null;
}
