import type { BrowserPool } from '@open-smooth/browser';
import type { BlobStore } from './blobs/blob-store.js';
import type { FailedAuthLimits } from './failed-auth-limiter.js';
import type { ServerRole } from './server-role.js';

export interface ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The origin clients reach the server at when that is not the address it listens on (behind a
   * load balancer or a proxy), e.g. https://smooth.example.com: live_url, recording_url,
   * downloads_url and the OpenAPI document name it. Default SMOOTH_PUBLIC_URL, else the listening URL.
   */
  publicUrl?: string;
  /** 0 = an ephemeral port (the CLI defaults to 7777). */
  port?: number;
  /** Default SMOOTH_DATA_DIR, else ~/.open-smooth. */
  dataDirectory?: string;
  /**
   * Where tasks and resources are stored. Default SMOOTH_DATABASE_URL; a postgres:// URL selects
   * PostgreSQL (shared by several processes), none the embedded SQLite file in the data directory.
   */
  databaseUrl?: string;
  /**
   * PostgreSQL connections this process may open. Default SMOOTH_DATABASE_POOL_SIZE, else 10 for
   * api and all, and for a worker half its task slots plus one (at least 2, at most 10). Refused
   * at start unless a whole number from 1 to 1000.
   */
  databasePoolSize?: number;
  /**
   * This process's name as a worker (the owner of its tasks' leases; a restart fails only its own
   * leftovers). Default SMOOTH_WORKER_ID, else a name kept in the data directory.
   */
  workerId?: string;
  /**
   * The key secrets are sealed with in the database (base64 of 32 bytes, e.g. `openssl rand -base64
   * 32`). Default SMOOTH_SECRET_KEY, else a key kept in the data directory; processes that share a
   * database (roles api and worker) need the same one, so they refuse to start without it.
   */
  secretKey?: string;
  /** A task's lease lasts this long unless renewed; a worker silent for longer is taken for dead. Default 30 s. */
  leaseMs?: number;
  /** How often leases are renewed and expired ones swept; default a third of leaseMs. */
  heartbeatMs?: number;
  /** Default SMOOTH_API_KEYS, else keys stored in the data directory, else one generated and stored. */
  apiKeys?: string[];
  /** Where the model settings (SMOOTH_MODEL_* …) are read from; default process.env. */
  modelEnvironment?: NodeJS.ProcessEnv;
  /** Tasks running at once; default SMOOTH_MAX_CONCURRENT_TASKS, else derived from cores and memory (concurrency-defaults.ts). */
  maxConcurrentTasks?: number;
  /** Tasks one API key may run at once; default SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY, else 3/4 of the global limit (at least 1). */
  maxConcurrentTasksPerKey?: number;
  /** Tasks one API key may have waiting; more are refused with 429. Default 1,000. */
  maxQueuedTasksPerKey?: number;
  /** Tasks waiting in all; default 10,000. */
  maxQueuedTasks?: number;
  /** An idle session closes after this long; default 5 minutes. */
  sessionIdleTimeoutMs?: number;
  /** A custom tool call without an answer fails the task after this long; default 5 minutes. */
  toolCallTimeoutMs?: number;
  /** An evaluate_js script is stopped after this long and answered with an error; default 30 s. */
  evaluateJsTimeoutMs?: number;
  /** A session extract gives up after this long; default 2 minutes. */
  extractTimeoutMs?: number;
  /** Cap on one command's output as JSON (evaluate_js, extract, run_task); larger → an error answer. Default 1 MiB. */
  commandOutputMaxBytes?: number;
  /** Wrong API keys per client address and window before that address gets 429; default 20 per minute. */
  failedAuthLimits?: FailedAuthLimits;
  /** Largest file accepted by POST /file, streamed to disk; default 50 MiB. */
  maxUploadBytes?: number;
  /** Longest a poll with event_t is held; default 10 s (the official client gives up at 30 s). */
  longPollMs?: number;
  /** How long a finished task reads `running` while its last answer waits for a poll; default 3 s. */
  finishGraceMs?: number;
  /** How long a task with proxy_server "self" waits for the caller to connect its tunnel; default 30 s. */
  callerTunnelTimeoutMs?: number;
  /**
   * A pool to share; by default the server launches its own on first use and closes it. A shared
   * pool brings its own network policy (BrowserPool.launch's allowPrivateNetwork).
   */
  browserPool?: BrowserPool;
  /**
   * Private, loopback and other non-public hosts, IPs and CIDR ranges tasks may reach, e.g.
   * ['127.0.0.0/8', '10.1.2.3', 'wiki.internal']. Default: SMOOTH_ALLOW_PRIVATE_NETWORK
   * (comma-separated), else none. Link-local and cloud metadata addresses stay unreachable whatever
   * it says. For the pool the server launches; refused together with `browserPool`.
   */
  allowPrivateNetwork?: readonly string[];
  /**
   * What this process does (server-role.ts): `all` (default: API and browsers in one process),
   * `api` (the REST API only, no browser) or `worker` (runs tasks from the shared queue). Default
   * SMOOTH_ROLE, else all. api and worker need a PostgreSQL databaseUrl, a redisUrl and a shared
   * blob store (blobUrl or blobStore).
   */
  role?: ServerRole;
  /**
   * Redis for the task queue (BullMQ), session commands and long-poll wake-ups, e.g.
   * redis://127.0.0.1:6379; default SMOOTH_REDIS_URL, else none (all in this process). With role
   * all, the process creates and runs its own tasks: one such server per Redis (another would take
   * its queued tasks); separate api and worker processes share one Redis.
   */
  redisUrl?: string;
  /** Prefix of this deployment's Redis keys and channels (several deployments may share a Redis); default open-smooth. */
  redisPrefix?: string;
  /**
   * How api processes reach this worker's HTTP listener (live view sockets and caller tunnels are
   * relayed to the worker that runs the task), e.g. http://10.0.0.7:7777. Default SMOOTH_WORKER_URL,
   * else the URL it listens on.
   */
  workerUrl?: string;
  /**
   * Where files go (uploads, extensions, profiles, downloads, screenshots, recordings): a blob URL,
   * `s3://bucket[/prefix]?endpoint=http://host:port&region=…` (credentials from AWS_ACCESS_KEY_ID /
   * AWS_SECRET_ACCESS_KEY) or `file:///absolute/folder`. Default SMOOTH_BLOB_URL, else files under
   * the data directory. Refused together with `blobStore`.
   */
  blobUrl?: string;
  /** An open blob store to use instead (the caller closes it). Refused together with `blobUrl`. */
  blobStore?: BlobStore;
  /** Launch Chromium right after listening, so the first task does not pay for it (the CLI's serve does). */
  launchBrowserAtStart?: boolean;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  /** url + '/api/': what SMOOTH_BASE_URL is set to; the SDKs append v1. */
  apiBaseUrl: string;
  apiKeys: string[];
  dataDirectory: string;
  /** What this process does (ServerOptions.role). */
  role: ServerRole;
  close(): Promise<void>;
}
