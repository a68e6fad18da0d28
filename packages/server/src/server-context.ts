import type { BlobStore } from './blobs/blob-store.js';
import type { ProfileStorage } from './profiles/profile-storage.js';
import type { ServerRole } from './server-role.js';
import type { ResourceStore } from './store/resource-store.js';
import type { TaskStore } from './store/task-record.js';
import type { TaskRunner } from './tasks/task-runner.js';
import type { TaskService } from './tasks/task-service.js';
import type { TaskSocketRouting } from './tunnel/task-socket-routing.js';

/** What the routes share. `publicUrl` is known only once the server listens. */
export interface ServerContext {
  role: ServerRole;
  tasks: TaskService;
  /** The worker side in this process (roles all and worker): the live view reaches its browsers. None in an api process. */
  runner?: TaskRunner;
  taskStore: TaskStore;
  resources: ResourceStore;
  profiles: ProfileStorage;
  blobs: BlobStore;
  /** This process's scratch folder (uploads land here before they go to the blob store). */
  workDirectory: string;
  /** Where the sockets of tasks other processes run are relayed (distributed mode only). */
  taskSockets?: TaskSocketRouting;
  longPollMs: number;
  publicUrl: () => string;
  /** How api processes reach this process's tasks (live view, caller tunnel); undefined in an api process. Known once it listens. */
  workerUrl: () => string | undefined;
  /** Aborts when the server closes, so long-polls let go at once. */
  closing: AbortSignal;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Hash of the request's API key; set by the auth hook on /api/v1. */
    tenant: string;
  }
}
