export { startServer, defaultDataDirectory } from './start-server.js';
export type { ServerOptions, RunningServer } from './server-options.js';
export { restartFailureReason } from './tasks/task-runner.js';
export * from './http-errors.js';
export { InvalidBlobUrlError } from './blobs/open-blob-store.js';
export type { BlobStore } from './blobs/blob-store.js';
export { InvalidDatabasePoolSizeError } from './store/database-pool-size.js';
export { InvalidServerRoleError, serverRoles, type ServerRole } from './server-role.js';
