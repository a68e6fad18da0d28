import type { BlobStore } from './blobs/blob-store.js';
import type { ProfileStorage } from './profiles/profile-storage.js';
import type { ResourceStore } from './store/resource-store.js';
import type { TaskStore } from './store/task-record.js';
import type { TaskManager } from './tasks/task-manager.js';

/** What the routes share. `publicUrl` is known only once the server listens. */
export interface ServerContext {
  tasks: TaskManager;
  taskStore: TaskStore;
  resources: ResourceStore;
  profiles: ProfileStorage;
  blobs: BlobStore;
  /** This process's scratch folder (uploads land here before they go to the blob store). */
  workDirectory: string;
  longPollMs: number;
  publicUrl: () => string;
  /** Aborts when the server closes, so long-polls let go at once. */
  closing: AbortSignal;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Hash of the request's API key; set by the auth hook on /api/v1. */
    tenant: string;
  }
}
