export { SmoothClient } from './smooth-client.js';
export type { UploadFileOptions, UploadSource } from './smooth-client.js';
export { defaultBaseUrl, resolveClientOptions, withApiVersion } from './client-options.js';
export type { ClientOptions, ResolvedClientOptions } from './client-options.js';
export type { Certificate, RunOptions, RunTaskOptions, Secret, SessionOptions } from './run-options.js';
export { CallerTunnelClient, type CallerTunnelOptions } from '#caller-tunnel';
export { TaskHandle } from './task-handle.js';
export type { LiveUrlOptions, WaitOptions } from './task-handle.js';
export { SessionHandle } from './session-handle.js';
export { SmoothTool } from './smooth-tool.js';
export type { ToolAnswer, ToolFunction, ToolOptions } from './smooth-tool.js';
export { ApiError, BadRequestError, SmoothTimeoutError, TimeoutError, ToolCallError } from './errors.js';
export { camelToSnake, fromWireFields, snakeToCamel, toWireFields } from './case-conversion.js';
export type {
  ActionCloseResponse,
  ActionEvaluateJSResponse,
  ActionExtractResponse,
  ActionGotoResponse,
  ActionRunTaskResponse,
  Agent,
  BaseActionResponse,
  DeviceType,
  Extension,
  ProfileResponse,
  TaskEvent,
  TaskEventResponse,
  TaskResponse,
  TaskStatus,
  UploadExtensionResponse,
  UploadFileResponse,
} from './api-types.js';
