import { isFinishedTaskStatus, type TaskStatus } from './api-types.js';
import { ApiError, BadRequestError, SmoothTimeoutError } from './errors.js';
import { delay, isRecord } from './http-transport.js';

/** GET /task/{id} payload as it comes off the wire (snake_case). */
export interface WireTaskResponse {
  id: string;
  status: TaskStatus;
  events?: WireTaskEvent[] | null;
  [field: string]: unknown;
}

export interface WireTaskEvent {
  id?: string | null;
  name: string;
  payload: Record<string, unknown>;
  timestamp?: number | null;
}

/** A command's answer: `{code, output}` in an event with the command's id and name. */
export interface CommandAnswer {
  code: number;
  output: unknown;
}

export interface TaskEventStreamOptions {
  fetchTask: (eventTimestamp: number, signal: AbortSignal) => Promise<WireTaskResponse>;
  onToolCall: (event: WireTaskEvent & { id: string }) => void;
  /** Pause after a poll that brought nothing new (the server long-polls, so this is rarely hit). */
  idlePollIntervalMs?: number;
  /** Network failures in a row tolerated before giving up. */
  maxConsecutiveFailures?: number;
}

interface PendingAnswer {
  name: string;
  resolve: (answer: CommandAnswer) => void;
  reject: (error: unknown) => void;
}

/**
 * Long-polls a task's events while someone needs them: resumes from the last event timestamp,
 * matches command answers to their commands by event id, and hands tool calls to the handle.
 */
export class TaskEventStream {
  latest: WireTaskResponse | null = null;
  private lastEventTimestamp = 0;
  private users = 0;
  private polling = false;
  /** Aborts the poll in flight once nobody needs it, so a finished script exits at once. */
  private inFlightPoll: AbortController | null = null;
  private failure: unknown = null;
  private readonly pendingAnswers = new Map<string, PendingAnswer>();
  private readonly seenToolCalls = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly idlePollIntervalMs: number;
  private readonly maxConsecutiveFailures: number;

  constructor(private readonly options: TaskEventStreamOptions) {
    this.idlePollIntervalMs = options.idlePollIntervalMs ?? 250;
    this.maxConsecutiveFailures = options.maxConsecutiveFailures ?? 5;
  }

  get finished(): boolean {
    return this.latest !== null && isFinishedTaskStatus(this.latest.status);
  }

  /** Records a response obtained elsewhere (e.g. the POST that created the task). */
  seed(response: WireTaskResponse): void {
    this.absorb(response);
  }

  /** Keeps the stream polling while `work` runs. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.users += 1;
    this.failure = null;
    this.startPolling();
    try {
      return await work();
    } finally {
      this.users -= 1;
      if (this.users === 0) this.inFlightPoll?.abort();
    }
  }

  /** Registers interest in the answer to a command before the command is sent. */
  expectAnswer(eventId: string, name: string): Promise<CommandAnswer> {
    const answer = new Promise<CommandAnswer>((resolve, reject) => {
      this.pendingAnswers.set(eventId, { name, resolve, reject });
    });
    // The caller awaits it only after the POST; a poll failing before then (an unknown task: 404)
    // rejects it first, which must not count as an unhandled rejection (Node would end the process).
    answer.catch(() => undefined);
    return answer;
  }

  forgetAnswer(eventId: string): void {
    this.pendingAnswers.delete(eventId);
  }

  /**
   * Resolves with the first non-undefined value `select` returns for the latest task state.
   * `select` may throw to give up (e.g. the task finished without what is awaited).
   */
  waitFor<T>(select: (task: WireTaskResponse | null) => T | undefined, timeoutMs?: number, describe = 'the task'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = (): void => {
        try {
          if (this.failure) throw this.failure;
          const value = select(this.latest);
          if (value === undefined) return;
          finish();
          resolve(value);
        } catch (error) {
          finish();
          reject(error);
        }
      };
      const finish = (): void => {
        this.listeners.delete(check);
        if (timer) clearTimeout(timer);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish();
          reject(new SmoothTimeoutError(`Timed out after ${timeoutMs / 1000} seconds waiting for ${describe}.`));
        }, timeoutMs);
      }
      this.listeners.add(check);
      check();
    });
  }

  private startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    void this.pollLoop().finally(() => {
      this.polling = false;
      // Someone may have started waiting while the loop was winding down.
      if (this.users > 0 && !this.finished && !this.failure) this.startPolling();
    });
  }

  private async pollLoop(): Promise<void> {
    let consecutiveFailures = 0;
    while (this.users > 0 && !this.finished) {
      let response: WireTaskResponse;
      const poll = new AbortController();
      this.inFlightPoll = poll;
      try {
        response = await this.options.fetchTask(this.lastEventTimestamp, poll.signal);
        consecutiveFailures = 0;
      } catch (error) {
        if (poll.signal.aborted) continue;
        consecutiveFailures += 1;
        const permanent = error instanceof ApiError && error.statusCode >= 400 && error.statusCode < 500;
        if (permanent || consecutiveFailures > this.maxConsecutiveFailures) {
          this.fail(error);
          return;
        }
        await delay(Math.min(500 * 2 ** (consecutiveFailures - 1), 8000));
        continue;
      }
      const sawNewEvents = this.absorb(response);
      if (this.finished) {
        await this.collectLateAnswers();
        this.rejectUnanswered();
        return;
      }
      if (!sawNewEvents) await delay(this.idlePollIntervalMs);
    }
  }

  /**
   * The official client stops reading at the first finished status; we still read that poll's
   * events, and ask once more when an answer is missing, in case it landed just after.
   */
  private async collectLateAnswers(): Promise<void> {
    if (this.pendingAnswers.size === 0) return;
    try {
      this.absorb(await this.options.fetchTask(this.lastEventTimestamp, new AbortController().signal));
    } catch {
      // The task is over; missing answers are reported by rejectUnanswered.
    }
  }

  private rejectUnanswered(): void {
    const status = this.latest?.status ?? 'finished';
    for (const [eventId, pending] of this.pendingAnswers) {
      pending.reject(new BadRequestError(`Task ${this.latest?.id ?? ''} is ${status}; it did not answer ${pending.name} event ${eventId}.`));
    }
    this.pendingAnswers.clear();
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const pending of this.pendingAnswers.values()) pending.reject(error);
    this.pendingAnswers.clear();
    this.notify();
  }

  /** Takes in one poll's response; returns whether it carried events not seen before. */
  private absorb(response: WireTaskResponse): boolean {
    const events = Array.isArray(response.events) ? response.events : [];
    let sawNewEvents = false;
    for (const event of events) {
      if (typeof event.timestamp === 'number' && event.timestamp > this.lastEventTimestamp) {
        this.lastEventTimestamp = event.timestamp;
        sawNewEvents = true;
      }
      this.dispatch(event);
    }
    const statusChanged = this.latest?.status !== response.status;
    this.latest = response;
    this.notify();
    return sawNewEvents || statusChanged;
  }

  private dispatch(event: WireTaskEvent): void {
    if (!event.id || !isRecord(event.payload)) return;
    const isAnswer = 'code' in event.payload;
    if (isAnswer) {
      const pending = this.pendingAnswers.get(event.id);
      if (pending && event.name === pending.name) {
        this.pendingAnswers.delete(event.id);
        pending.resolve({ code: Number(event.payload.code), output: event.payload.output });
      }
      return;
    }
    if (event.name === 'tool_call' && !this.seenToolCalls.has(event.id)) {
      this.seenToolCalls.add(event.id);
      this.options.onToolCall({ ...event, id: event.id });
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
