import type { HttpTransport } from './http-transport.js';
import type { TaskEventResponse } from './api-types.js';
import type { WireTaskEvent, WireTaskResponse } from './task-event-stream.js';

/**
 * Tells the server this client registers a command's answer handler before posting the command
 * (TaskHandle's expectAnswer), so error answers may reach its polls at once; without it the server
 * withholds them ~2 s for the official clients' sake. The same name as the protocol's
 * `handlersFirstHeader` (a test checks); the SDK has no runtime dependencies.
 */
export const handlersFirstHeader = 'x-open-smooth-handlers-first';

/** The task endpoints, on the wire (snake_case in, snake_case out). */
export class TaskApi {
  constructor(private readonly transport: HttpTransport) {}

  submitTask(body: Record<string, unknown>): Promise<WireTaskResponse> {
    return this.transport.request('POST', '/task', { body });
  }

  getTask(taskId: string, query: Record<string, string | number | boolean | undefined> = {}, signal?: AbortSignal): Promise<WireTaskResponse> {
    const headers = query.event_t === undefined ? undefined : { [handlersFirstHeader]: '1' };
    return this.transport.request('GET', `/task/${encodeURIComponent(requireId(taskId))}`, { query, signal, ...(headers ? { headers } : {}) });
  }

  listTasks(query: { limit?: number; before?: number } = {}): Promise<WireTaskResponse[]> {
    return this.transport.request('GET', '/task', { query: { l: query.limit, t: query.before } });
  }

  deleteTask(taskId: string): Promise<boolean> {
    return this.transport.request('DELETE', `/task/${encodeURIComponent(requireId(taskId))}`);
  }

  deleteTaskData(taskId: string): Promise<boolean> {
    return this.transport.request('DELETE', `/task/${encodeURIComponent(requireId(taskId))}/data`);
  }

  sendTaskEvent(taskId: string, event: WireTaskEvent): Promise<TaskEventResponse> {
    return this.transport.request('POST', `/task/${encodeURIComponent(requireId(taskId))}/event`, { body: event });
  }
}

function requireId(taskId: string): string {
  if (!taskId) throw new Error('Task ID cannot be empty.');
  return taskId;
}
