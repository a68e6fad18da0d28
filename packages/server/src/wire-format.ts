import {
  normalizeSecrets,
  type AgentTier,
  type CustomTool,
  type Device,
  type Metadata,
  type RunTaskInput,
  type Secret,
  type PolledTaskEvent,
  type TaskRequest,
  type TaskResponse,
  type TaskStatus,
} from '@open-smooth/protocol';
import type { ClientCertificate } from '@open-smooth/browser';
import type { StoredExtension } from './store/resource-store.js';
import { proxyFromWire, type ProxyChoice } from './tasks/proxy-from-wire.js';
import type { TaskRecord } from './store/task-record.js';

/**
 * The one place where wire names (snake_case) become product names (camelCase) and back.
 * User data inside (response_model, metadata, tool inputs, payloads) passes through untouched.
 */

/** Server-side defaults: the SDKs send only what the caller set. */
export const taskDefaults = { device: 'mobile' as Device, maxSteps: 32, agentTier: 'smooth' as AgentTier, enableRecording: true, stealth: true, adblock: true, showCursor: false };

export interface AgentRunSettings {
  task: string;
  maxSteps: number;
  agentTier: AgentTier;
  startUrl?: string;
  responseModel?: Record<string, unknown>;
  metadata?: Metadata;
  secrets: Secret[];
}

export interface TaskSettings {
  /** null for a session. */
  task: string | null;
  device: Device;
  startUrl?: string;
  allowedUrls?: string[];
  secrets: Secret[];
  fileIds: string[];
  /** The uploaded files behind fileIds (filled in when the task is created); the worker copies them to local files for the agent. */
  files: Array<{ name: string; blobKey: string }>;
  extensionIds: string[];
  /** The uploaded zips behind extensionIds (filled in when the task is created); the worker unpacks them for Chromium. */
  extensions: Array<{ id: string; blobKey: string }>;
  /** `use_stealth`, or its older name `stealth_mode`. */
  stealth: boolean;
  adblock: boolean;
  showCursor: boolean;
  profileId?: string;
  /** With a profile: load it but never save it back (and take no writer's lock). */
  profileReadOnly: boolean;
  proxy: ProxyChoice;
  /** Filled by TaskService.create from the wire's certificates (they need the start URL). */
  clientCertificates: ClientCertificate[];
  customTools: CustomTool[];
  additionalTools?: Record<string, Record<string, unknown> | null>;
  agentRun?: AgentRunSettings;
  enableRecording: boolean;
}

const present = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

export function taskSettingsFromWire(request: TaskRequest): TaskSettings {
  const secrets = normalizeSecrets(request.secrets);
  const settings: TaskSettings = {
    task: request.task,
    device: request.device ?? taskDefaults.device,
    secrets,
    fileIds: request.files ?? [],
    files: [],
    extensionIds: request.extensions ?? [],
    extensions: [],
    stealth: request.use_stealth ?? request.stealth_mode ?? taskDefaults.stealth,
    adblock: request.use_adblock ?? taskDefaults.adblock,
    showCursor: request.show_cursor ?? taskDefaults.showCursor,
    profileReadOnly: request.profile_read_only ?? false,
    proxy: proxyFromWire(request),
    clientCertificates: [],
    customTools: request.custom_tools ?? [],
    enableRecording: request.enable_recording ?? taskDefaults.enableRecording,
  };
  const startUrl = present(request.url);
  if (startUrl !== undefined) settings.startUrl = startUrl;
  const allowedUrls = present(request.allowed_urls);
  if (allowedUrls !== undefined) settings.allowedUrls = allowedUrls;
  const profileId = present(request.profile_id);
  if (profileId !== undefined) settings.profileId = profileId;
  const additionalTools = present(request.additional_tools);
  if (additionalTools !== undefined) settings.additionalTools = additionalTools;
  if (request.task !== null) {
    settings.agentRun = agentRunFromWire({
      task: request.task,
      max_steps: request.max_steps,
      response_model: request.response_model,
      metadata: request.metadata,
      agent: request.agent,
    });
    // The context opens the start URL, so the agent does not open it a second time.
    settings.agentRun.secrets = secrets;
  }
  return settings;
}

/** `run_task` input (or a one-shot task's fields) as settings for one agent run. */
export function agentRunFromWire(input: RunTaskInput): AgentRunSettings {
  const run: AgentRunSettings = {
    task: input.task,
    maxSteps: input.max_steps ?? taskDefaults.maxSteps,
    agentTier: input.agent ?? taskDefaults.agentTier,
    secrets: normalizeSecrets(input.secrets),
  };
  const startUrl = present(input.url);
  if (startUrl !== undefined) run.startUrl = startUrl;
  const responseModel = present(input.response_model);
  if (responseModel !== undefined) run.responseModel = responseModel;
  const metadata = present(input.metadata);
  if (metadata !== undefined) run.metadata = metadata;
  return run;
}

/** 1 credit = $0.01. */
export function creditsFromCost(dollars: number): number {
  return dollars * 100;
}

export interface TaskView {
  status: TaskStatus;
  liveUrl: string;
  /** null = not ready yet, "" = none. */
  recordingUrl: string | null;
  /** undefined = not asked for (?downloads=false). */
  downloadsUrl?: string;
  events?: PolledTaskEvent[];
  /** A waiting task's place in its key's queue and why it waits. */
  queue?: { position: number; reason: string };
}

export function taskResponseToWire(task: TaskRecord, view: TaskView): TaskResponse {
  const response: TaskResponse = {
    id: task.id,
    status: view.status,
    output: view.status === 'running' || view.status === 'waiting' ? null : (task.output ?? null),
    // Whole credits, rounded up: the official Python SDK rejects fractions here.
    credits_used: Math.ceil(creditsFromCost(task.costDollars) - 1e-9),
    device: task.device,
    live_url: view.liveUrl,
    recording_url: view.recordingUrl,
    downloads_url: view.downloadsUrl ?? null,
    created_at: Math.floor(task.createdAtMs / 1000),
    // A finished task's reason: why it failed or was cancelled, or why a session ended by itself.
    error: view.status === 'failed' || view.status === 'cancelled' || view.status === 'done' ? task.error : null,
  };
  if (view.queue !== undefined && view.status === 'waiting') response.queue = { position: view.queue.position, reason: view.queue.reason };
  if (view.events !== undefined) response.events = view.events;
  return response;
}

/** An action's answer output: credits as a float, duration in seconds. */
export function actionOutputToWire(result: { output?: unknown; costDollars: number; durationMs: number }): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if ('output' in result) wire.output = result.output === undefined ? null : result.output;
  wire.credits_used = creditsFromCost(result.costDollars);
  wire.duration = result.durationMs / 1000;
  return wire;
}

export function extensionToWire(extension: StoredExtension): { id: string; file_name: string; creation_time: number } {
  return { id: extension.id, file_name: extension.fileName, creation_time: Math.floor(extension.createdAtMs / 1000) };
}
