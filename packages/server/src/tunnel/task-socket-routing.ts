import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage, isFinishedTaskStatus } from '@open-smooth/protocol';
import { taskOfLiveUrl } from '../routes/live-routes.js';
import { queueTopic, taskTopic, waitForChange, type ChangeWatch } from '../scale/event-notifier.js';
import type { WorkerRegistry } from '../scale/worker-registry.js';
import type { TaskStore } from '../store/task-record.js';
import { tunnelPath, tunnelProtocol } from './tunnel-endpoint.js';
import { unreachableWorkerMessage, type UnreachableWorker } from './unreachable-worker.js';
import { relayHeldUpgrade, relayUpgrade } from './upgrade-relay.js';
import { serverLogger } from '../server-logger.js';

const liveSocketPath = /^\/live\/([^/?#]+)\/([^/?#]+)\/ws(?:\?.*)?$/;
/** How soon a held control connection tries again when the task's worker has claimed it but not opened its tunnel yet. */
const defaultRetryMs = 200;
/** How often a held control connection reads its task when no wake-up came (one may be lost). */
const defaultClaimPollMs = 2_000;

export interface TaskSocketRoutingOptions {
  store: TaskStore;
  registry: WorkerRegistry;
  /** This process's worker id when it runs tasks (the sockets of its own tasks are served here); undefined in an api process. */
  workerId: string | undefined;
  /** The API key's tenant, or undefined for an unknown key. */
  tenantOf(apiKey: string): string | undefined;
  /** Whether this process's tunnel endpoint holds the task's caller tunnel. */
  hasLocalTunnel(tenant: string, taskId: string): boolean;
  /** Hands a held control connection to this process's own tunnel of the task; false when it has none (yet). */
  attachLocalControl(tenant: string, taskId: string, socket: Socket): boolean;
  /** Wake-ups of `task:<id>` and `queue:<key>`: a held control connection waits for its task to start on them. */
  watch(topics: readonly string[]): ChangeWatch;
  /** Aborts when the server closes: held connections let go. */
  closing: AbortSignal;
  claimPollMs?: number;
  retryMs?: number;
  /**
   * How long a worker found unreachable stays so for this process (its live views are served
   * here, saying so, rather than relayed again); default 30 s. Past it, a worker registered
   * again (it was alive after all) is relayed to as before.
   */
  unreachableForMs?: number;
}

const defaultUnreachableForMs = 30_000;


/**
 * The task sockets of a process that shares its tasks with other processes (PostgreSQL + Redis):
 * a live view's WebSocket and the `self` tunnel's connections must reach the worker that holds
 * the task's browser. When the task's lease names another worker and that worker is registered,
 * the upgrade request is relayed to it byte for byte and the sockets are piped (the worker
 * authenticates and answers as if reached directly). Everything else is served here as in one
 * process: a live view of a task that waits or has ended (state and steps from the store, no
 * frames), refusals (wrong token or key, no such tunnel), and the task's own sockets when this
 * process is its worker. A tunnel control connection that arrives before any worker owns the task
 * is answered here (101) and held until a worker claims it, then relayed; the worker's 101 is
 * dropped, so the caller sees one upgrade. Only these two kinds of path are relayed, only to the
 * registered address of the task's owner: this process is no open relay.
 */
export function installTaskSocketRouting(server: Server, options: TaskSocketRoutingOptions): TaskSocketRouting {
  const routing = new TaskSocketRouting(options);
  const local = server.listeners('upgrade') as Array<(request: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  server.removeAllListeners('upgrade');
  const serveHere = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const listener of local) listener.call(server, request, socket, head);
  };
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void routing.route(request, socket, head, serveHere).catch((error: unknown) => {
      serverLogger.error({ err: error }, 'routing a task socket to its worker failed');
      refuse(socket, 503, 'Service Unavailable', `could not find the worker running this task: ${errorMessage(error)}; try again`);
    });
  });
  return routing;
}

function refuse(socket: Duplex, status: number, reason: string, detail: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ detail });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

type ServeHere = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class TaskSocketRouting {
  /** Client sockets relayed or held here: they outlive the HTTP server's own connections, so closing ends them. */
  readonly #sockets = new Set<Duplex>();
  /** Workers this process could not connect to, until when it takes them for unreachable (worker id → time). */
  readonly #unreachableUntil = new Map<string, number>();

  constructor(private readonly options: TaskSocketRoutingOptions) {
    const endAll = () => {
      for (const socket of this.#sockets) socket.destroy();
    };
    options.closing.addEventListener('abort', endAll, { once: true });
  }

  #track(socket: Duplex): void {
    if (this.options.closing.aborted) return void socket.destroy();
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /**
   * The address of the other worker that runs the task now, when there is one and it is
   * registered; undefined when the task has no owner, this process owns it, or its owner is gone.
   */
  async remoteWorkerUrlOf(taskId: string): Promise<string | undefined> {
    const lease = await this.options.store.getLease(taskId);
    if (!lease || lease.owner === this.options.workerId) return undefined;
    return this.#reachableUrlOf(lease.owner);
  }

  /**
   * The worker of a running task when this process cannot reach it: its address is gone from the
   * registry (it stopped refreshing it) or nothing answered there just now. Undefined when the task
   * has no other owner or its owner is reachable as far as this process knows.
   */
  async unreachableWorkerOf(taskId: string): Promise<UnreachableWorker | undefined> {
    const lease = await this.options.store.getLease(taskId);
    if (!lease || lease.owner === this.options.workerId) return undefined;
    if ((await this.#reachableUrlOf(lease.owner)) !== undefined) return undefined;
    return { workerId: lease.owner, leaseExpiresAtMs: lease.expiresAtMs };
  }

  /** The worker's registered address, unless this process found nothing there lately. */
  #reachableUrlOf(workerId: string): Promise<string | undefined> {
    return this.#isUnreachable(workerId) ? Promise.resolve(undefined) : this.options.registry.urlOf(workerId);
  }

  #isUnreachable(workerId: string): boolean {
    const until = this.#unreachableUntil.get(workerId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#unreachableUntil.delete(workerId);
    return false;
  }

  /**
   * Nothing answered at the worker's registered address: it is taken for unreachable here for a
   * while, and its stale entry leaves the registry (every API process then knows without trying).
   */
  async #workerUnreachable(taskId: string, workerId: string, url: string, reason: string): Promise<void> {
    serverLogger.warn({ taskId, workerId, workerUrl: url, reason }, "a task's worker cannot be reached; its address is dropped from the registry");
    this.#unreachableUntil.set(workerId, Date.now() + (this.options.unreachableForMs ?? defaultUnreachableForMs));
    await this.options.registry.forget(workerId, url).catch((error: unknown) => {
      serverLogger.warn({ err: error, workerId }, "could not drop a worker's address from the registry");
    });
  }

  /** Relays an upgrade to the task's worker; false (the socket untouched) when nothing answered there. */
  async #relayTo(request: IncomingMessage, socket: Duplex, head: Buffer, taskId: string, workerId: string, url: string): Promise<boolean> {
    this.#track(socket);
    const outcome = await relayUpgrade(request, socket, head, url);
    if (outcome.relayed) return true;
    await this.#workerUnreachable(taskId, workerId, url, outcome.reason);
    return false;
  }

  async route(request: IncomingMessage, socket: Duplex, head: Buffer, serveHere: ServeHere): Promise<void> {
    const url = request.url ?? '';
    const live = liveSocketPath.exec(url);
    if (live) return this.#routeLiveView(request, socket, head, serveHere, decodeURIComponent(live[1] ?? ''), decodeURIComponent(live[2] ?? ''));
    const tunnel = tunnelPath.exec(url);
    if (tunnel) return this.#routeTunnel(request, socket, head, serveHere, decodeURIComponent(tunnel[1] ?? ''), tunnel[2]);
    serveHere(request, socket, head);
  }

  /** A live view goes to the worker running the task; one that waits or has ended is served here. */
  async #routeLiveView(request: IncomingMessage, socket: Duplex, head: Buffer, serveHere: ServeHere, taskId: string, token: string): Promise<void> {
    // A wrong link is refused here (by the live route), so nothing unauthenticated is relayed.
    const task = await taskOfLiveUrl({ taskStore: this.options.store }, taskId, token).catch(() => undefined);
    if (!task || isFinishedTaskStatus(task.status)) return serveHere(request, socket, head);
    const lease = await this.options.store.getLease(taskId);
    if (!lease || lease.owner === this.options.workerId) return serveHere(request, socket, head);
    const workerUrl = await this.#reachableUrlOf(lease.owner);
    if (!workerUrl) return serveHere(request, socket, head);
    if (await this.#relayTo(request, socket, head, taskId, lease.owner, workerUrl)) return;
    // Served here instead: the viewer sees the task's state, a notice that its worker is gone, and then its failure.
    socket.resume();
    serveHere(request, socket, head);
  }

  async #routeTunnel(request: IncomingMessage, socket: Duplex, head: Buffer, serveHere: ServeHere, taskId: string, streamId: string | undefined): Promise<void> {
    const apiKey = request.headers.apikey;
    const tenant = typeof apiKey === 'string' ? this.options.tenantOf(apiKey) : undefined;
    // Wrong protocol or key, unknown task, no tunnel: the endpoint here refuses it as in one process.
    if ((request.headers.upgrade ?? '').toLowerCase() !== tunnelProtocol || tenant === undefined) return serveHere(request, socket, head);
    if (this.options.hasLocalTunnel(tenant, taskId)) return serveHere(request, socket, head);
    const task = await this.options.store.getTask(taskId);
    if (!task || task.tenant !== tenant || task.request.proxy_server?.trim() !== 'self' || isFinishedTaskStatus(task.status)) return serveHere(request, socket, head);
    const lease = await this.options.store.getLease(taskId);
    if (lease && lease.owner !== this.options.workerId) {
      const workerUrl = await this.#reachableUrlOf(lease.owner);
      if (workerUrl && (await this.#relayTo(request, socket, head, taskId, lease.owner, workerUrl))) return;
      return refuse(socket, 503, 'Service Unavailable', unreachableWorkerMessage(taskId, { workerId: lease.owner, leaseExpiresAtMs: lease.expiresAtMs }));
    }
    // No worker has the task's tunnel yet: a data connection has no stream to join.
    if (streamId !== undefined) return serveHere(request, socket, head);
    await this.#holdControl(request, socket as Socket, head, tenant, taskId);
  }

  /**
   * The caller connects its control connection right after creating the task, usually before a
   * worker has claimed it: it is answered here and held until the task's worker has its tunnel,
   * then joined to it. It ends when the task ends before that, or when this process closes.
   */
  async #holdControl(request: IncomingMessage, socket: Socket, head: Buffer, tenant: string, taskId: string): Promise<void> {
    this.#track(socket);
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    socket.on('error', () => socket.destroy());
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${tunnelProtocol}\r\nConnection: Upgrade\r\n\r\n`);
    const pollMs = this.options.claimPollMs ?? defaultClaimPollMs;
    const retryMs = this.options.retryMs ?? defaultRetryMs;
    while (!socket.destroyed && !this.options.closing.aborted) {
      // Watched before the task is read: a start between the read and the wait still wakes it.
      const watch = this.options.watch([taskTopic(taskId), queueTopic(tenant)]);
      let next: Awaited<ReturnType<TaskSocketRouting['joinOwner']>>;
      try {
        next = await this.joinOwner(request, socket, tenant, taskId);
      } catch (error) {
        // Answered with a 101 already: no refusal can follow, the connection ends (the caller's side says so).
        watch.close();
        serverLogger.warn({ err: error, taskId }, 'a held tunnel connection could not reach its worker');
        break;
      }
      if (next !== 'wait') watch.close();
      if (next === 'joined') return;
      if (next === 'ended') break;
      await (next === 'retry' ? sleep(retryMs, this.options.closing) : waitForChange(watch, pollMs, this.options.closing));
    }
    socket.destroy();
  }

  /**
   * One look at a held control connection's task: joined to its worker's tunnel, ended (the task
   * ended or the worker refused), `retry` soon (claimed, tunnel not open yet) or `wait` for a worker.
   */
  private async joinOwner(request: IncomingMessage, socket: Socket, tenant: string, taskId: string): Promise<'joined' | 'ended' | 'retry' | 'wait'> {
    const task = await this.options.store.getTask(taskId);
    if (!task || isFinishedTaskStatus(task.status)) return 'ended';
    const lease = await this.options.store.getLease(taskId);
    if (!lease) return 'wait';
    if (lease.owner === this.options.workerId) {
      if (!this.options.attachLocalControl(tenant, taskId, socket)) return 'retry';
      // Paused while held: the tunnel reads the caller's lines from here on.
      socket.resume();
      return 'joined';
    }
    const workerUrl = await this.#reachableUrlOf(lease.owner);
    // An owner without an address has stopped: its lease expires and the task fails (a wake-up).
    if (!workerUrl) return 'wait';
    if (socket.destroyed) return 'ended';
    const outcome = await relayHeldUpgrade(request, socket, workerUrl);
    if (outcome.piped) return 'joined';
    if (outcome.unreachable) {
      // As an owner without an address: the task fails when its lease expires, and that ends the wait.
      await this.#workerUnreachable(taskId, lease.owner, workerUrl, outcome.detail);
      return 'wait';
    }
    // 404: the worker has claimed the task but not opened its tunnel yet; anything else is final.
    if (outcome.status === 404) return 'retry';
    serverLogger.warn({ taskId, status: outcome.status, detail: outcome.detail }, "the worker refused the caller's tunnel");
    return 'ended';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
