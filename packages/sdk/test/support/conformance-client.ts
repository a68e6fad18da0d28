/**
 * A client that polls exactly as smooth.sh's official TypeScript client does (DESIGN.md, "Polling
 * clients as they really are"), written by us from that description so the server's behaviour
 * towards it is pinned without the official code. Its flaws are on purpose:
 * 1. a command creates its pending promise, POSTs, then connects, and only then awaits the promise:
 *    an error answer that arrives before that is an unhandled rejection;
 * 2. connect counts a user; the first one GETs (storing the answer without reading its events),
 *    waits a random 0–1 s, then starts the poller unless one runs;
 * 3. the poller sleeps one interval only when the stored answer had no events and the task is live;
 *    it reads events with an id and moves its cursor to the last event's timestamp;
 * 4. disconnect clears the sleep timer without waking the sleeper: a poller asleep then is dead.
 * It is meant to run in a child process with Node's default unhandled-rejection mode.
 */

export interface ConformanceClientOptions {
  apiUrl: string;
  apiKey: string;
  pollIntervalMs?: number;
  /** The stagger's random source (0 ≤ value < 1). */
  random?: () => number;
}

export class ConformanceCommandError extends Error {
  override readonly name = 'ConformanceCommandError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type ConformanceTool = (input: Record<string, unknown>, handle: ConformanceHandle) => Promise<unknown>;

interface TaskResponse {
  id: string;
  status: string;
  live_url?: string | null;
  output?: unknown;
  error?: string | null;
  events?: { id?: string | null; name: string; payload: Record<string, unknown>; timestamp?: number | null }[] | null;
}

interface Deferred {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

const liveStatuses = ['waiting', 'running'];
const trace = process.env.CONFORMANCE_TRACE ? (...parts: unknown[]) => process.stderr.write(`${Date.now() % 100000} ${parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}\n`) : () => {};

export class ConformanceClient {
  readonly pollIntervalMs: number;
  readonly random: () => number;

  constructor(readonly options: ConformanceClientOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.random = options.random ?? Math.random;
  }

  async request(method: string, path: string, body?: unknown): Promise<any> {
    trace('>', method, path, body ?? '');
    const response = await fetch(`${this.options.apiUrl}${path}`, {
      method,
      headers: { apikey: this.options.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const parsed = (await response.json()) as { r?: unknown; detail?: string };
    trace('<', method, path, response.status, (parsed.r as TaskResponse | undefined)?.events ?? '');
    if (!response.ok) throw new ConformanceCommandError(response.status, parsed.detail ?? `HTTP ${response.status}`);
    return parsed.r;
  }

  /** Like the official `run`: the handle knows only the id, not the POST's answer. */
  async run(body: Record<string, unknown>, tools: Record<string, ConformanceTool> = {}): Promise<ConformanceHandle> {
    const created = (await this.request('POST', '/task', body)) as TaskResponse;
    return new ConformanceHandle(created.id, this, tools);
  }

  async session(body: Record<string, unknown> = {}): Promise<ConformanceHandle> {
    return this.run({ ...body, task: null });
  }
}

export class ConformanceHandle {
  response: TaskResponse | null = null;
  private users = 0;
  private sleepTimer: ReturnType<typeof setTimeout> | null = null;
  private polling = false;
  private lastEventT = 0;
  private readonly pending = new Map<string, Deferred>();

  constructor(
    readonly id: string,
    private readonly client: ConformanceClient,
    private readonly tools: Record<string, ConformanceTool>,
  ) {}

  goto(url: string): Promise<unknown> {
    return this.command('browser_action', 'goto', { url });
  }

  evaluateJs(js: string, args: Record<string, unknown> | null = null): Promise<unknown> {
    return this.command('browser_action', 'evaluate_js', { js, args });
  }

  runTask(task: string): Promise<unknown> {
    return this.command('session_action', 'run_task', { task });
  }

  close(): Promise<unknown> {
    return this.command('session_action', 'close', { force: false });
  }

  async liveUrl(): Promise<string> {
    if (this.response?.live_url) return this.response.live_url;
    return this.withConnection(async () => {
      for (;;) {
        if (this.response && !liveStatuses.includes(this.response.status)) throw new Error(`task is ${this.response.status}`);
        if (this.response?.live_url) return this.response.live_url;
        await sleep(200);
      }
    });
  }

  async result(timeoutMs?: number): Promise<TaskResponse> {
    if (this.response && !liveStatuses.includes(this.response.status)) return this.response;
    return this.withConnection(async () => {
      const started = Date.now();
      for (;;) {
        if (this.response && !liveStatuses.includes(this.response.status)) return this.response;
        if (timeoutMs !== undefined && Date.now() - started >= timeoutMs) throw new Error(`task ${this.id} did not finish in ${timeoutMs} ms`);
        await sleep(200);
      }
    });
  }

  stop(): Promise<unknown> {
    return this.client.request('DELETE', `/task/${this.id}`);
  }

  /** Step 1: the promise exists before the POST; its handler is attached only after connect. */
  private async command(eventName: string, action: string, input: Record<string, unknown>): Promise<unknown> {
    const id = `conformance-${Math.random().toString(36).slice(2)}`;
    let deferred!: Deferred;
    const answer = new Promise<unknown>((resolve, reject) => {
      deferred = { resolve, reject };
    });
    this.pending.set(id, deferred);
    await this.client.request('POST', `/task/${this.id}/event`, { id, name: eventName, payload: { name: action, input } });
    return this.withConnection(() => answer);
  }

  private async withConnection<T>(work: () => Promise<T>): Promise<T> {
    await this.connect();
    try {
      return await work();
    } finally {
      this.disconnect();
    }
  }

  /** Step 2. */
  private async connect(): Promise<void> {
    this.users += 1;
    if (this.users !== 1) return;
    this.response = (await this.client.request('GET', `/task/${this.id}?event_t=${this.lastEventT}`)) as TaskResponse;
    await sleep(this.client.random() * this.client.pollIntervalMs);
    this.startPolling();
  }

  /** Step 4: the sleeper is not woken. */
  private disconnect(): void {
    this.users = Math.max(0, this.users - 1);
    trace('disconnect', this.users);
    if (this.users === 0 && this.sleepTimer) {
      trace('sleeping poller stranded');
      clearTimeout(this.sleepTimer);
      this.sleepTimer = null;
    }
  }

  /** Step 3. */
  private startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    void this.pollLoop();
  }

  private async pollLoop(): Promise<void> {
    while (this.users > 0) {
      const stored = this.response;
      if (stored === null || (!stored.events?.length && liveStatuses.includes(stored.status))) {
        await new Promise<void>((resolve) => {
          trace('poller sleeps');
          this.sleepTimer = setTimeout(resolve, this.client.pollIntervalMs);
          this.sleepTimer.unref();
        });
      }
      if (this.users <= 0) break;
      const response = (await this.client.request('GET', `/task/${this.id}?event_t=${this.lastEventT}`)) as TaskResponse;
      this.response = response;
      if (!liveStatuses.includes(response.status)) break;
      const events = response.events ?? [];
      const last = events.at(-1);
      if (last?.timestamp) this.lastEventT = last.timestamp;
      for (const event of events) {
        if (event.id) this.handleEvent({ ...event, id: event.id });
      }
    }
    this.polling = false;
  }

  private handleEvent(event: { id: string; name: string; payload: Record<string, unknown> }): void {
    if (event.name === 'tool_call') {
      const tool = this.tools[String(event.payload.name)];
      if (tool) void this.runTool(tool, event.id, (event.payload.input as Record<string, unknown>) ?? {});
      return;
    }
    const deferred = this.pending.get(event.id);
    if (!deferred) return;
    this.pending.delete(event.id);
    const code = Number(event.payload.code);
    if (code === 200) deferred.resolve(event.payload.output);
    else deferred.reject(new ConformanceCommandError(code, String(event.payload.output ?? 'Unknown error.')));
  }

  private async runTool(tool: ConformanceTool, id: string, input: Record<string, unknown>): Promise<void> {
    let answer: { code: number; output: unknown };
    try {
      answer = { code: 200, output: await tool(input, this) };
    } catch (error) {
      answer = { code: 400, output: error instanceof Error ? error.message : String(error) };
    }
    await this.client.request('POST', `/task/${this.id}/event`, { id, name: 'tool_call', payload: answer });
  }
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
