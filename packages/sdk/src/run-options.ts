import type { Agent, DeviceType } from './api-types.js';
import type { SmoothTool } from './smooth-tool.js';

/** A secret: a bare value, or a value limited to some URLs. */
export type Secret = string | { value: string; allowedUrls?: string[]; allowed_urls?: string[] };

export interface Certificate {
  /** Base64 of the p12 file, or its bytes. */
  file: string | Uint8Array;
  password?: string | null;
  /** Open Smooth's addition: the https origin to present it to (default: the task's url's origin). */
  origin?: string | null;
}

/**
 * Options of `client.run()` (names of the official TS SDK). Only what is set is sent, so the
 * server's defaults apply (its API documentation, /api/docs, lists them).
 */
export interface RunOptions {
  task: string | null;
  responseModel?: Record<string, unknown> | null;
  url?: string | null;
  metadata?: Record<string, string | number | boolean> | null;
  secrets?: Record<string, Secret> | null;
  files?: string[] | null;
  agent?: Agent;
  maxSteps?: number;
  device?: DeviceType;
  allowedUrls?: string[] | null;
  enableRecording?: boolean;
  sessionId?: string | null;
  profileId?: string | null;
  profileReadOnly?: boolean;
  stealthMode?: boolean;
  proxyServer?: string | null;
  proxyUsername?: string | null;
  proxyPassword?: string | null;
  certificates?: Certificate[] | null;
  useAdblock?: boolean | null;
  useCaptchaSolver?: boolean | null;
  additionalTools?: Record<string, Record<string, unknown> | null> | null;
  customTools?: SmoothTool[] | null;
  experimentalFeatures?: Record<string, unknown> | null;
  extensions?: string[] | null;
  showCursor?: boolean;
}

/** Options of `client.session()`: a session starts without a task; `url` opens a first page. */
export type SessionOptions = Omit<RunOptions, 'task' | 'responseModel'>;

/** Options of `session.runTask()`. */
export interface RunTaskOptions {
  task: string;
  maxSteps?: number;
  responseModel?: Record<string, unknown> | null;
  url?: string | null;
  metadata?: Record<string, string | number | boolean> | null;
  secrets?: Record<string, Secret> | null;
  agent?: Agent;
}
