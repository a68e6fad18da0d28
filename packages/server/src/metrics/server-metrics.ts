import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the task side reports as it happens; the gauges are read when Prometheus scrapes. */
export interface TaskMetrics {
  /** A task or session ended after running `seconds` (from its start to its final state). */
  taskFinished(kind: 'task' | 'session', status: string, seconds: number): void;
  /** Model tokens of one agent step. */
  modelTokens(inputTokens: number, outputTokens: number): void;
  /** Credits a task spent (agent steps and extracts; 1 credit = $0.01). */
  creditsUsed(credits: number): void;
}

/** What the gauges read at scrape time (a shared queue may answer asynchronously). */
export interface MetricSources {
  /** Tasks waiting per tenant (the tenant is a hash of its API key). */
  queuedPerTenant(): Map<string, number> | Promise<Map<string, number>>;
  runningTasks(): number | Promise<number>;
  /** Contexts open in the shared browser (in use, warm, kept for reuse); undefined before it launched. */
  openBrowserContexts(): number | undefined;
  /** Contexts held by running tasks. */
  taskBrowserContexts(): number;
  /** The PostgreSQL pool's connections (open, idle, queries waiting for one); undefined on SQLite. */
  databaseConnections?(): { total: number; idle: number; waiting: number } | undefined;
}

/**
 * The label a tenant goes by: a prefix of its id, which is already a hash of the API key, so a
 * scrape never shows a key (nor the whole hash of one).
 */
export function tenantLabel(tenant: string): string {
  return tenant.slice(0, 12);
}

/**
 * This server's Prometheus metrics, in a registry of its own (several servers in one process,
 * as in tests, do not share counters). Names start with `open_smooth_`; process and Node.js
 * metrics (memory, CPU, event loop) come from prom-client's defaults.
 */
export class ServerMetrics implements TaskMetrics {
  readonly registry = new Registry();
  readonly #taskDuration: Histogram<'kind' | 'status'>;
  readonly #tokens: Counter<'direction'>;
  readonly #credits: Counter;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'open_smooth_queued_tasks',
      help: 'Tasks waiting for a slot, per API key (labelled by a prefix of the key hash)',
      labelNames: ['key'],
      registers,
      async collect() {
        const queued = await sources.queuedPerTenant();
        this.reset();
        for (const [tenant, count] of queued) this.set({ key: tenantLabel(tenant) }, count);
      },
    });
    new Gauge({
      name: 'open_smooth_running_tasks',
      help: 'Tasks and sessions holding a slot',
      registers,
      async collect() {
        this.set(await sources.runningTasks());
      },
    });
    new Gauge({
      name: 'open_smooth_browser_contexts',
      help: 'Browser contexts open in the shared Chromium (in use, warm and kept for reuse)',
      registers,
      collect() {
        this.set(sources.openBrowserContexts() ?? 0);
      },
    });
    new Gauge({
      name: 'open_smooth_task_browser_contexts',
      help: 'Browser contexts held by running tasks (extension browsers included)',
      registers,
      collect() {
        this.set(sources.taskBrowserContexts());
      },
    });
    new Gauge({
      name: 'open_smooth_database_connections',
      help: 'PostgreSQL connections of this process: open (total, idle) and queries waiting for one (waiting); absent on SQLite',
      labelNames: ['state'],
      registers,
      collect() {
        const connections = sources.databaseConnections?.();
        this.reset();
        if (!connections) return;
        for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, connections[state]);
      },
    });
    this.#taskDuration = new Histogram({
      name: 'open_smooth_task_duration_seconds',
      help: 'How long tasks and sessions ran, from their start to their final state',
      labelNames: ['kind', 'status'],
      buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.#tokens = new Counter({ name: 'open_smooth_model_tokens_total', help: 'Model tokens used by agent steps', labelNames: ['direction'], registers });
    this.#credits = new Counter({ name: 'open_smooth_credits_used_total', help: 'Credits spent on models (1 credit = $0.01)', registers });
  }

  taskFinished(kind: 'task' | 'session', status: string, seconds: number): void {
    this.#taskDuration.observe({ kind, status }, seconds);
  }

  modelTokens(inputTokens: number, outputTokens: number): void {
    if (inputTokens > 0) this.#tokens.inc({ direction: 'input' }, inputTokens);
    if (outputTokens > 0) this.#tokens.inc({ direction: 'output' }, outputTokens);
  }

  creditsUsed(credits: number): void {
    if (credits > 0) this.#credits.inc(credits);
  }

  /** The text a Prometheus scrape reads. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
