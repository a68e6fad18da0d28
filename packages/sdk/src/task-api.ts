import type { HttpTransport } from './http-transport.js';
import type { TaskEventResponse } from './api-types.js';
import type { WireTaskEvent, WireTaskResponse } from './task-event-stream.js';

/** The task endpoints, on the wire (snake_case in, snake_case out). */
export class TaskApi {
  constructor(private readonly transport: HttpTransport) {}

  submitTask(body: Record<string, unknown>): Promise<WireTaskResponse> {
    return this.transport.request('POST', '/task', { body });
  }

  getTask(taskId: string, query: Record<string, string | number | boolean | undefined> = {}, signal?: AbortSignal): Promise<WireTaskResponse> {
    return this.transport.request('GET', `/task/${encodeURIComponent(requireId(taskId))}`, { query, signal });
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
