import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ApiRequestError } from './session-api-client.js';

interface PolledEvent {
  id: string;
  name: string;
  payload: { code?: number; output?: unknown };
  timestamp: number;
}

export interface PolledTask {
  id: string;
  status: string;
  events?: PolledEvent[];
}

const finishedStatuses = new Set(['done', 'failed', 'cancelled']);

/**
 * A wire-API client that sends each request to the next of several API processes in turn, as a
 * round-robin load balancer would (with one URL: the embedded server). Every call of one session
 * may land on a different process, the hardest case for the distributed mode.
 */
export class RoundRobinApi {
  #next = 0;
  /** Requests sent, for the per-operation counts. */
  requests = 0;

  constructor(
    readonly apiUrls: readonly string[],
    readonly apiKey: string,
  ) {}

  async request<Payload>(method: string, path: string, body?: unknown): Promise<{ status: number; payload: Payload }> {
    const apiUrl = this.apiUrls[this.#next++ % this.apiUrls.length]!;
    this.requests += 1;
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { apikey: this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as { r?: Payload; detail?: string });
    if (!response.ok) throw new ApiRequestError(response.status, `${method} ${path}: ${parsed.detail ?? text}`);
    return { status: response.status, payload: parsed.r as Payload };
  }

  /** Milliseconds one request takes. */
  async timed(method: string, path: string, body?: unknown): Promise<{ ms: number; payload: unknown }> {
    const started = performance.now();
    const { payload } = await this.request(method, path, body);
    return { ms: performance.now() - started, payload };
  }

  async createSession(): Promise<string> {
    const { payload } = await this.request<{ id: string }>('POST', '/task', { task: null, device: 'desktop' });
    return payload.id;
  }

  /** POST a command, then long-poll (from the last event seen) until its answer arrives. */
  async command(taskId: string, name: 'browser_action' | 'session_action', action: string, input: unknown): Promise<unknown> {
    const id = randomUUID();
    try {
      await this.request('POST', `/task/${taskId}/event`, { id, name, payload: { name: action, input } });
    } catch (error) {
      // A session that ended on its own: say why (its error), not only that it accepts no events.
      const { payload } = await this.request<PolledTask & { error?: string | null }>('GET', `/task/${taskId}`);
      throw new ApiRequestError(error instanceof ApiRequestError ? error.status : 500, `${action} on ${taskId} (${payload.status}: ${payload.error ?? 'no error'}): ${String(error)}`);
    }
    let eventTime = 0;
    // A lost answer is a finding: fail after a while instead of polling until the session's idle timeout.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { payload } = await this.request<PolledTask>('GET', `/task/${taskId}?event_t=${eventTime}`);
      for (const event of payload.events ?? []) {
        eventTime = Math.max(eventTime, event.timestamp);
        if (event.id !== id || event.name !== name || event.payload.code === undefined) continue;
        if (event.payload.code !== 200) throw new ApiRequestError(event.payload.code, JSON.stringify(event.payload.output));
        return event.payload.output;
      }
      if (finishedStatuses.has(payload.status)) throw new ApiRequestError(409, `the session ended (${payload.status}) before answering ${action} ${id} (polled from ${eventTime}); ${await this.eventSummary(taskId)}`);
    }
    throw new ApiRequestError(504, `no answer to ${action} ${id} within 60 s of polls from ${eventTime}; ${await this.eventSummary(taskId)}`);
  }

  /** The task's whole event log in one line, for a failure's message. */
  async eventSummary(taskId: string): Promise<string> {
    const { payload } = await this.request<PolledTask & { error?: string | null }>('GET', `/task/${taskId}?event_t=0`);
    const events = (payload.events ?? []).map((event) => `${event.timestamp} ${event.name} ${event.id}${event.payload.code === undefined ? '' : ` code ${event.payload.code}`}`);
    return `status ${payload.status}, error ${payload.error ?? 'none'}, events: ${events.join(' | ')}`;
  }

  /** Long-polls a task (from its last event) until it reads finished; returns its status and the polls it took. */
  async waitUntilFinished(taskId: string, timeoutMs = 120_000): Promise<{ status: string; polls: number }> {
    const deadline = Date.now() + timeoutMs;
    let eventTime = 0;
    let polls = 0;
    while (Date.now() < deadline) {
      polls += 1;
      const { payload } = await this.request<PolledTask>('GET', `/task/${taskId}?event_t=${eventTime}`);
      for (const event of payload.events ?? []) eventTime = Math.max(eventTime, event.timestamp);
      if (finishedStatuses.has(payload.status)) return { status: payload.status, polls };
    }
    return { status: 'stuck', polls };
  }
}
