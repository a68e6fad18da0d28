import { Redis } from 'ioredis';
import { serverLogger } from '../server-logger.js';
import { settlesWithin } from '../settles-within.js';
import { quitRedis, redisCloseWaitMs } from './quit-redis.js';

/**
 * Where API processes reach each worker's HTTP listener (its workerUrl), by worker id: the
 * sockets of a task (live view, `self` tunnel) are relayed there, to the worker whose id is the
 * task's lease owner. An entry lives for a TTL its worker refreshes every heartbeat, so a dead
 * worker's address disappears on its own; only addresses found here are ever relayed to.
 */
export interface WorkerRegistry {
  /** Records (or refreshes) the worker's address for ttlMs. */
  register(workerId: string, url: string, ttlMs: number): Promise<void>;
  /** Removes the worker's address (a worker shutting down). */
  unregister(workerId: string): Promise<void>;
  /**
   * Removes the worker's address while it is still `url` (an API process found nothing listening
   * there: the worker died). A worker that is alive after all registers again at its next
   * heartbeat; one restarted at a new address in between keeps its new entry.
   */
  forget(workerId: string, url: string): Promise<void>;
  /** The worker's address, or undefined when it is not registered (never was, or stopped refreshing). */
  urlOf(workerId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Deletes KEYS[1] only while it holds ARGV[1]: a compare-and-delete in one step. */
const forgetScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** The registry as Redis keys `<prefix>:worker-url:<workerId>` with a TTL. */
export class RedisWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Whether close() quits the connection (the registry opened it). */
    private readonly ownsConnection: boolean,
  ) {}

  /** A registry on its own connection to redisUrl. */
  static async connect(redisUrl: string, prefix: string): Promise<RedisWorkerRegistry> {
    const redis = new Redis(redisUrl, { lazyConnect: true });
    // Logged, not thrown: ioredis reconnects by itself, and every call says when it fails.
    redis.on('error', (error: unknown) => serverLogger.warn({ err: error }, 'worker registry: Redis connection error'));
    await redis.connect();
    return new RedisWorkerRegistry(redis, prefix, true);
  }

  #key(workerId: string): string {
    return `${this.prefix}:worker-url:${workerId}`;
  }

  async register(workerId: string, url: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.#key(workerId), url, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async unregister(workerId: string): Promise<void> {
    await this.redis.del(this.#key(workerId));
  }

  async forget(workerId: string, url: string): Promise<void> {
    await this.redis.eval(forgetScript, 1, this.#key(workerId), url);
  }

  async urlOf(workerId: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key(workerId))) ?? undefined;
  }

  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    await quitRedis(this.redis);
  }
}

/**
 * A worker's entry kept alive: registered at once, refreshed every `refreshMs` (its heartbeat),
 * removed on stop. The TTL outlives a few missed refreshes, so a slow Redis round does not make a
 * live worker unreachable.
 */
export class WorkerRegistration {
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly workerId: string,
    private readonly url: string,
    private readonly ttlMs: number,
    private readonly refreshMs: number,
  ) {}

  async start(): Promise<void> {
    validateWorkerUrl(this.url);
    await this.registry.register(this.workerId, this.url, this.ttlMs);
    this.#timer = setInterval(() => {
      this.#refreshing ??= this.registry
        .register(this.workerId, this.url, this.ttlMs)
        .catch((error: unknown) => serverLogger.warn({ err: error, workerId: this.workerId }, 'could not refresh the worker address in the registry'))
        .finally(() => (this.#refreshing = undefined));
    }, this.refreshMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#refreshing) await settlesWithin(this.#refreshing, redisCloseWaitMs);
    const removing = this.registry.unregister(this.workerId).catch((error: unknown) => {
      // Its TTL removes it anyway.
      serverLogger.warn({ err: error, workerId: this.workerId }, 'could not remove the worker address from the registry');
    });
    // With Redis gone the removal retries for many seconds; its TTL removes the entry anyway.
    if (!(await settlesWithin(removing, redisCloseWaitMs))) serverLogger.warn({ workerId: this.workerId }, 'Redis did not answer while the worker removed its address; its TTL removes it');
  }
}

/** A worker URL is an http(s) origin: the relayed request keeps its own path. */
export function validateWorkerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`workerUrl ${JSON.stringify(url)} is not a URL; give the http(s) origin API processes reach this worker at, e.g. http://10.0.0.5:8000`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`workerUrl ${url} must be http or https`);
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash || parsed.username) {
    throw new Error(`workerUrl ${url} must be an origin only (scheme, host, port): the relayed requests keep their own paths`);
  }
  return parsed;
}
