import {
  isFinishedTaskStatus,
  type TaskEventName,
  type ActionEvaluateJSResponse,
  type ActionExtractResponse,
  type ActionGotoResponse,
  type TaskResponse,
} from './api-types.js';
import { fromWireFields } from './case-conversion.js';
import { ApiError, BadRequestError, SmoothTimeoutError, ToolCallError } from './errors.js';
import { isRecord } from './http-transport.js';
import type { SmoothTool } from './smooth-tool.js';
import type { TaskApi } from './task-api.js';
import { TaskEventStream, type WireTaskEvent, type WireTaskResponse } from './task-event-stream.js';

/** How often recordingUrl() asks again while a finished task's video is being encoded. */
const recordingPollMs = 500;

export interface WaitOptions {
  /** Seconds. */
  timeout?: number;
}

export interface LiveUrlOptions extends WaitOptions {
  /** Ask for a view in which the viewer may drive the browser (default true, as in the official SDK); the URL carries interactive=true|false. */
  interactive?: boolean;
  /** A view without chrome, for iframes (default false). */
  embed?: boolean;
}

/** A running or finished task: wait for its result, watch it live, stop it. */
export class TaskHandle {
  protected readonly stream: TaskEventStream;
  private readonly tools: Map<string, SmoothTool>;

  constructor(
    private readonly taskId: string,
    protected readonly api: TaskApi,
    tools?: readonly SmoothTool[] | null,
  ) {
    this.tools = new Map((tools ?? []).map((tool) => [tool.name, tool]));
    this.stream = new TaskEventStream({
      fetchTask: (eventTimestamp, signal) => this.api.getTask(this.taskId, { event_t: eventTimestamp }, signal),
      onToolCall: (event) => void this.answerToolCall(event),
    });
  }

  id(): string {
    return this.taskId;
  }

  /** @internal Records the state the server returned when the task was created. */
  seed(response: WireTaskResponse): this {
    this.stream.seed(response);
    return this;
  }

  /** Waits until the task has finished and returns its final state. */
  async result(options: WaitOptions = {}): Promise<TaskResponse> {
    const finished = await this.stream.use(() =>
      this.stream.waitFor(
        (task) => (task && isFinishedTaskStatus(task.status) ? task : undefined),
        secondsToMilliseconds(options.timeout),
        `task ${this.taskId} to complete`,
      ),
    );
    return toTaskResponse(finished);
  }

  /** The live view URL, once the task has one. */
  async liveUrl(options: LiveUrlOptions = {}): Promise<string> {
    const select = (task: WireTaskResponse | null): string | undefined => {
      if (task && isFinishedTaskStatus(task.status)) {
        throw new BadRequestError(`Live URL not available for task ${this.taskId} as it is ${task.status}.`);
      }
      const liveUrl = task?.live_url;
      return typeof liveUrl === 'string' && liveUrl ? withViewParameters(liveUrl, options) : undefined;
    };
    const known = select(this.stream.latest);
    if (known) return known;
    return this.stream.use(() =>
      this.stream.waitFor(select, secondsToMilliseconds(options.timeout), `the live URL of task ${this.taskId}`),
    );
  }

  /** The recording's URL once it is ready; ApiError 404 when the task was not recorded. */
  async recordingUrl(options: WaitOptions = {}): Promise<string> {
    const select = (task: WireTaskResponse | null): string | undefined => {
      const recordingUrl = task?.recording_url;
      if (recordingUrl === '') {
        throw new ApiError(404, `Recording URL not available for task ${this.taskId}. Set enableRecording=true when creating the task to enable it.`);
      }
      return typeof recordingUrl === 'string' ? recordingUrl : undefined;
    };
    const known = select(this.stream.latest);
    if (known) return known;
    const timeoutMs = secondsToMilliseconds(options.timeout ?? 30) ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    // The video is encoded after the task ends: first wait for the end, then for the URL.
    const finished = await this.stream.use(() =>
      this.stream.waitFor(
        (task) => (task && isFinishedTaskStatus(task.status) ? task : undefined),
        timeoutMs,
        `the recording of task ${this.taskId}`,
      ),
    );
    for (let task: WireTaskResponse = finished; ; task = await this.api.getTask(this.taskId)) {
      const recordingUrl = select(task);
      if (recordingUrl) return recordingUrl;
      if (Date.now() >= deadline) throw new SmoothTimeoutError(`Timed out after ${timeoutMs / 1000} seconds waiting for the recording of task ${this.taskId}.`);
      await new Promise((resolve) => setTimeout(resolve, recordingPollMs));
    }
  }

  /** A URL of a zip of the files the task downloaded, once it has finished; ApiError 404 when there are none. */
  async downloadsUrl(options: WaitOptions = {}): Promise<string> {
    await this.stream.use(() =>
      this.stream.waitFor(
        (task) => (task && isFinishedTaskStatus(task.status) ? true : undefined),
        secondsToMilliseconds(options.timeout ?? 30),
        `task ${this.taskId} to finish before its downloads are available`,
      ),
    );
    const task = await this.api.getTask(this.taskId, { downloads: true });
    const downloadsUrl = task.downloads_url;
    if (typeof downloadsUrl !== 'string' || downloadsUrl === '') {
      throw new ApiError(404, `Downloads URL not available for task ${this.taskId}. Make sure the task downloaded files during its execution.`);
    }
    return downloadsUrl;
  }

  /** Cancels the task; its result then reads `cancelled`. */
  async stop(): Promise<void> {
    await this.api.deleteTask(this.taskId);
  }

  /** Opens a URL in the task's browser (a custom tool may do this while the agent waits). */
  async goto(url: string): Promise<ActionGotoResponse> {
    return toActionResponse(await this.sendCommand('browser_action', 'goto', { url }));
  }

  /** Extracts data matching a JSON schema from the current page. */
  async extract(schema: Record<string, unknown>, prompt?: string | null): Promise<ActionExtractResponse> {
    return toActionResponse(await this.sendCommand('browser_action', 'extract', { schema, ...(prompt ? { prompt } : {}) }));
  }

  /** Runs JavaScript in the page: an expression, or a function that receives `args`. */
  async evaluateJs(code: string, args?: Record<string, unknown> | null): Promise<ActionEvaluateJSResponse> {
    return toActionResponse(await this.sendCommand('browser_action', 'evaluate_js', { js: code, ...(args ? { args } : {}) }));
  }

  /**
   * Sends a command event and waits for the answer that carries the same id: 200 gives its
   * output, 400 throws ToolCallError, 500 throws ApiError.
   */
  protected async sendCommand(name: TaskEventName, commandName: string, input: Record<string, unknown>): Promise<unknown> {
    const eventId = globalThis.crypto.randomUUID();
    return this.stream.use(async () => {
      const answer = this.stream.expectAnswer(eventId, name);
      try {
        await this.api.sendTaskEvent(this.taskId, { id: eventId, name, payload: { name: commandName, input } });
      } catch (error) {
        this.stream.forgetAnswer(eventId);
        throw error;
      }
      const { code, output } = await answer;
      if (code === 200) return output;
      const message = typeof output === 'string' ? output : JSON.stringify(output ?? 'Unknown error.');
      if (code === 400) throw new ToolCallError(message);
      throw new ApiError(code, message);
    });
  }

  private async answerToolCall(event: WireTaskEvent & { id: string }): Promise<void> {
    const toolName = typeof event.payload.name === 'string' ? event.payload.name : '';
    const tool = this.tools.get(toolName);
    if (!tool) return;
    const input = isRecord(event.payload.input) ? event.payload.input : {};
    const answer = await tool.invoke(input, this);
    try {
      await this.api.sendTaskEvent(this.taskId, { id: event.id, name: 'tool_call', payload: { code: answer.code, output: answer.output } });
    } catch {
      // The task may have ended meanwhile; the server then fails or has failed it on its own.
    }
  }
}

export function toTaskResponse(wire: WireTaskResponse): TaskResponse {
  return fromWireFields<TaskResponse>(wire);
}

/** Action outputs are `{output, credits_used, duration}`; absent numbers read as 0. */
export function toActionResponse<T>(output: unknown): T {
  const wire = isRecord(output) ? output : { output };
  return fromWireFields<T>({ credits_used: 0, duration: 0, ...wire });
}

function withViewParameters(liveUrl: string, options: LiveUrlOptions): string {
  const interactive = String(options.interactive ?? true);
  const embed = String(options.embed ?? false);
  if (!URL.canParse(liveUrl)) {
    return `${liveUrl}${liveUrl.includes('?') ? '&' : '?'}interactive=${interactive}&embed=${embed}`;
  }
  const url = new URL(liveUrl);
  url.searchParams.set('interactive', interactive);
  url.searchParams.set('embed', embed);
  return url.toString();
}

function secondsToMilliseconds(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}
