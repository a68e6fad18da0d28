import type { Server } from 'node:http';
import type { ChangeWatch } from '../scale/event-notifier.js';
import { RedisWorkerRegistry, WorkerRegistration } from '../scale/worker-registry.js';
import type { TaskStore } from '../store/task-record.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { CallerTunnel } from './caller-tunnel.js';
import { installTaskSocketRouting, type TaskSocketRouting } from './task-socket-routing.js';

export interface DistributedTaskSocketsOptions {
  server: Server;
  redisUrl: string;
  redisPrefix: string;
  store: TaskStore;
  /** The task's caller tunnel when this process holds it. */
  tunnelOf(tenant: string, taskId: string): CallerTunnel | undefined;
  /** This process's worker side; undefined in an api process. */
  runner: TaskRunner | undefined;
  workerId: string;
  tenantOf(apiKey: string): string | undefined;
  /** Wake-ups by topic (the tasks' notifier). */
  watch(topics: readonly string[]): ChangeWatch;
  /** A registered address lives this long without a refresh (the lease time: a worker that stops refreshing is dead by then). */
  registrationTtlMs: number;
  /** How often a worker refreshes its address (its heartbeat). */
  heartbeatMs: number;
  closing: AbortSignal;
}

export interface DistributedTaskSockets {
  routing: TaskSocketRouting;
  /** A worker records where API processes reach it (its workerUrl) once it listens; nothing for an api process. */
  registerWorker(workerUrl: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The task sockets of a process that shares PostgreSQL and Redis with others: its upgrades are
 * routed to the worker running each task (installed after the tunnel endpoint and the live view's
 * WebSocket plugin, which serve what stays here), and a worker keeps its address in the registry.
 */
export async function installDistributedTaskSockets(options: DistributedTaskSocketsOptions): Promise<DistributedTaskSockets> {
  const registry = await RedisWorkerRegistry.connect(options.redisUrl, options.redisPrefix);
  const { runner, tunnelOf: localTunnel } = options;
  const routing = installTaskSocketRouting(options.server, {
    store: options.store,
    registry,
    workerId: runner ? options.workerId : undefined,
    tenantOf: options.tenantOf,
    watch: options.watch,
    hasLocalTunnel: (tenant, taskId) => localTunnel(tenant, taskId) !== undefined,
    attachLocalControl: (tenant, taskId, socket) => {
      const tunnel = localTunnel(tenant, taskId);
      tunnel?.attachControl(socket);
      return tunnel !== undefined;
    },
    closing: options.closing,
    // A worker found unreachable is dead for as long as its address would have outlived it.
    unreachableForMs: options.registrationTtlMs,
  });
  let registration: WorkerRegistration | undefined;
  return {
    routing,
    async registerWorker(workerUrl) {
      if (!runner) return;
      registration = new WorkerRegistration(registry, options.workerId, workerUrl, options.registrationTtlMs, options.heartbeatMs);
      await registration.start();
    },
    async close() {
      await registration?.stop();
      await registry.close();
    },
  };
}
