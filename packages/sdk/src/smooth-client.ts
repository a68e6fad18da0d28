import { readLocalFile } from '#local-file';
import type { Extension, ProfileResponse, TaskResponse, UploadExtensionResponse, UploadFileResponse } from './api-types.js';
import { CallerTunnelClient } from '#caller-tunnel';
import { fromWireFields, toWireFields, toWireSecrets } from './case-conversion.js';
import { resolveClientOptions, type ClientOptions } from './client-options.js';
import { HttpTransport } from './http-transport.js';
import type { Certificate, RunOptions, SessionOptions } from './run-options.js';
import { SessionHandle } from './session-handle.js';
import { SmoothTool, type ToolFunction, type ToolOptions } from './smooth-tool.js';
import { TaskApi } from './task-api.js';
import { TaskHandle, toTaskResponse } from './task-handle.js';

/** A file to upload: its bytes, or a path on disk. */
export type UploadSource = Uint8Array | Blob | ArrayBuffer | string;

export interface UploadFileOptions {
  /** File name the agent sees; required unless the source is a path. */
  name?: string;
  /** What the file is for, in a few words (max 64 characters). */
  purpose?: string;
}

/** Client of an Open Smooth (or smooth.sh) API: tasks, sessions, custom tools, profiles, files, extensions. */
export class SmoothClient {
  readonly apiKey: string;
  /** Base URL including the API version. */
  readonly baseUrl: string;
  private readonly transport: HttpTransport;
  private readonly tasks: TaskApi;

  constructor(options: ClientOptions = {}) {
    const resolved = resolveClientOptions(options);
    this.apiKey = resolved.apiKey;
    this.baseUrl = resolved.apiUrl;
    this.transport = new HttpTransport(resolved);
    this.tasks = new TaskApi(this.transport);
  }

  /** Starts a one-shot task. Accepts `run(options)` as the official TS SDK, or `run(task, options)`. */
  async run(taskOrOptions: string | RunOptions, options: Omit<RunOptions, 'task'> = {}): Promise<TaskHandle> {
    const runOptions: RunOptions = typeof taskOrOptions === 'string' ? { ...options, task: taskOrOptions } : taskOrOptions;
    const created = await this.tasks.submitTask(buildTaskRequest(runOptions));
    this.openCallerTunnel(created.id, runOptions.proxyServer);
    return new TaskHandle(created.id, this.tasks, runOptions.customTools).seed(created);
  }

  /** Opens a browser session (a task without a task) that takes commands until closed. */
  async session(options: SessionOptions = {}): Promise<SessionHandle> {
    const created = await this.tasks.submitTask(buildTaskRequest({ ...options, task: null }));
    this.openCallerTunnel(created.id, options.proxyServer);
    return new SessionHandle(created.id, this.tasks, options.customTools).seed(created);
  }

  /**
   * proxy_server "self": this process carries the task's browser traffic until the task ends (the
   * server then closes the tunnel). Against a server without the tunnel (smooth.sh's SDKs use an
   * FRP client instead) the task fails saying so, and a warning says why here.
   */
  private openCallerTunnel(taskId: string, proxyServer: string | null | undefined): void {
    if (proxyServer !== 'self') return;
    CallerTunnelClient.open({
      apiUrl: this.baseUrl,
      apiKey: this.apiKey,
      taskId,
      onClosed: (error) => {
        // console, not process.emitWarning: the SDK runs in browsers too.
        if (error) console.warn(`proxy_server "self" for task ${taskId}: ${error.message}`);
      },
    });
  }

  /** A handle on an existing task, e.g. a session started by another process. */
  taskHandle(taskId: string): TaskHandle {
    return new TaskHandle(taskId, this.tasks);
  }

  /** A handle on an existing session, e.g. one started by `smooth start-session`. */
  sessionHandle(sessionId: string): SessionHandle {
    return new SessionHandle(sessionId, this.tasks);
  }

  /** Declares a tool the agent may call; its code runs here when the task is polled. */
  tool(options: ToolOptions, toolFunction: ToolFunction): SmoothTool {
    return new SmoothTool({ ...options, fn: toolFunction });
  }

  /** The task's current state, without waiting. */
  async getTask(taskId: string): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.getTask(taskId));
  }

  /** Tasks of this key, newest first. */
  async listTasks(options: { limit?: number; before?: number } = {}): Promise<TaskResponse[]> {
    return (await this.tasks.listTasks(options)).map(toTaskResponse);
  }

  /** Erases what is stored for a finished task. */
  async deleteTaskData(taskId: string): Promise<void> {
    await this.tasks.deleteTaskData(taskId);
  }

  async createProfile(profileId?: string | null): Promise<ProfileResponse> {
    return this.transport.request('POST', '/profile', { body: profileId ? { id: profileId } : {} });
  }

  async listProfiles(): Promise<ProfileResponse[]> {
    return this.transport.request('GET', '/profile');
  }

  async deleteProfile(profileId: string): Promise<void> {
    await this.transport.request('DELETE', `/profile/${encodeURIComponent(profileId)}`);
  }

  async uploadFile(file: UploadSource, options: UploadFileOptions = {}): Promise<UploadFileResponse> {
    const { blob, name } = await toNamedBlob(file, options.name, 'File');
    const formData = new FormData();
    formData.append('file', blob, name);
    if (options.purpose) formData.append('file_purpose', options.purpose);
    return this.transport.request('POST', '/file', { formData });
  }

  async deleteFile(fileId: string): Promise<void> {
    await this.transport.request('DELETE', `/file/${encodeURIComponent(fileId)}`);
  }

  /** Uploads a zipped browser extension. */
  async uploadExtension(file: UploadSource, name?: string): Promise<UploadExtensionResponse> {
    const named = await toNamedBlob(file, name, 'Extension');
    const formData = new FormData();
    formData.append('file', named.blob, named.name);
    return this.transport.request('POST', '/extension', { formData });
  }

  async listExtensions(): Promise<Extension[]> {
    const extensions = await this.transport.request<Record<string, unknown>[]>('GET', '/extension');
    return extensions.map((extension) => fromWireFields<Extension>(extension));
  }

  async deleteExtension(extensionId: string): Promise<void> {
    await this.transport.request('DELETE', `/extension/${encodeURIComponent(extensionId)}`);
  }
}

/** POST /task body: only what the caller set, in wire names; tools as their signatures. */
function buildTaskRequest(options: RunOptions): Record<string, unknown> {
  const { task, customTools, secrets, certificates, ...rest } = options;
  const request: Record<string, unknown> = { task, ...toWireFields(rest) };
  if (customTools?.length) request.custom_tools = customTools.map((tool) => tool.signature);
  if (secrets) request.secrets = toWireSecrets(secrets);
  if (certificates) request.certificates = certificates.map(toWireCertificate);
  return request;
}

function toWireCertificate(certificate: Certificate): Record<string, unknown> {
  const file = typeof certificate.file === 'string' ? certificate.file : base64Of(certificate.file);
  return toWireFields({ file, password: certificate.password, origin: certificate.origin });
}

async function toNamedBlob(source: UploadSource, name: string | undefined, kind: string): Promise<{ blob: Blob; name: string }> {
  if (typeof source === 'string') {
    const file = await readLocalFile(source);
    return { blob: new Blob([file.bytes]), name: baseName(name ?? file.name) };
  }
  if (!name) throw new Error(`${kind} name must be provided.`);
  const blob = source instanceof Blob ? source : new Blob([source instanceof ArrayBuffer ? source : new Uint8Array(source)]);
  return { blob, name: baseName(name) };
}

/** The last segment of a path, either separator (no node:path: the SDK runs in browsers too). */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}
