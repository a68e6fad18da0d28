import { randomUUID } from 'node:crypto';

/** The smallest client of the wire API the benchmarks need: sessions, commands, polls. */

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
  }
}

interface PolledEvent {
  id: string;
  name: string;
  payload: { code?: number; output?: unknown; name?: string };
  timestamp: number;
}

interface PolledTask {
  id: string;
  status: string;
  events?: PolledEvent[];
}

const finishedStatuses = ['done', 'failed', 'cancelled'];

export class SessionApiClient {
  /** Every session this client created, so a bench can wait for them all to finish before stopping the server. */
  readonly createdSessions = new Set<string>();

  constructor(
    readonly apiUrl: string,
    readonly apiKey: string,
  ) {}

  async request<Payload>(method: string, path: string, body?: unknown): Promise<{ status: number; payload: Payload }> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { apikey: this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as { r?: Payload; detail?: string });
    if (!response.ok) throw new ApiRequestError(response.status, parsed.detail ?? text);
    return { status: response.status, payload: parsed.r as Payload };
  }

  /** POST /task with task null: a session. */
  async createSession(device: 'desktop' | 'mobile' = 'desktop', options: { enableRecording?: boolean; useAdblock?: boolean } = {}): Promise<string> {
    const recording = options.enableRecording === undefined ? {} : { enable_recording: options.enableRecording };
    const adblock = options.useAdblock === undefined ? {} : { use_adblock: options.useAdblock };
    const { payload } = await this.request<{ id: string }>('POST', '/task', { task: null, device, ...recording, ...adblock });
    this.createdSessions.add(payload.id);
    return payload.id;
  }

  /** Sends a command and long-polls until its answer (same id and name) arrives. */
  async command(taskId: string, name: 'browser_action' | 'session_action', action: string, input: unknown): Promise<unknown> {
    const id = randomUUID();
    await this.request('POST', `/task/${taskId}/event`, { id, name, payload: { name: action, input } });
    let eventTime = 0;
    for (;;) {
      const { payload } = await this.request<PolledTask>('GET', `/task/${taskId}?event_t=${eventTime}`);
      for (const event of payload.events ?? []) {
        eventTime = Math.max(eventTime, event.timestamp);
        if (event.id !== id || event.name !== name || event.payload.code === undefined) continue;
        if (event.payload.code !== 200) throw new ApiRequestError(event.payload.code, JSON.stringify(event.payload.output));
        return event.payload.output;
      }
      if (finishedStatuses.includes(payload.status)) {
        throw new ApiRequestError(409, `the session ended (${payload.status}) before answering ${action}`);
      }
    }
  }

  goto(taskId: string, url: string): Promise<unknown> {
    return this.command(taskId, 'browser_action', 'goto', { url });
  }

  close(taskId: string): Promise<unknown> {
    return this.command(taskId, 'session_action', 'close', {});
  }

  /**
   * Waits until every created session reads finished. The server answers `close` before the task
   * turns done; stopping the server in between makes its last store write fail.
   */
  async waitForSessionsToFinish(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const sessionId of this.createdSessions) {
      while (Date.now() < deadline) {
        const { payload } = await this.request<PolledTask>('GET', `/task/${sessionId}`);
        if (finishedStatuses.includes(payload.status)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}
