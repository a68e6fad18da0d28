import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import yazl from 'yazl';
import { z } from 'zod';
import { NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import { openApiDocument } from '../openapi-document.js';
import { registerDocsRoutes } from './docs-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerRecordingRoute } from './recording-route.js';
import { registerWebRoutes } from './web-routes.js';

/** Distinct names inside the zip even when two downloads share a suggested file name. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    return count === 0 ? name : `${count}-${name}`;
  });
}

function lazyBlobStream(context: ServerContext, key: string): Readable {
  return Readable.from(
    (async function* () {
      yield* await context.blobs.get(key);
    })(),
  );
}

/** Routes without an API key: the unguessable id or token in the path is the permission. */
export function registerPublicRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get('/downloads/:token/downloads.zip', async (request, reply) => {
    const { token } = parseWire(z.object({ token: z.string() }), request.params, 'token');
    const task = await context.taskStore.getTaskByDownloadsToken(token);
    const downloads = task ? await context.taskStore.listDownloads(task.id) : [];
    if (!task || downloads.length === 0) throw new NotFoundError('no downloads here');
    const zip = new yazl.ZipFile();
    const names = uniqueNames(downloads.map((download) => download.fileName));
    // Each blob is opened only when the zip reaches it, so one request holds one blob stream at a time.
    downloads.forEach((download, index) => zip.addReadStream(lazyBlobStream(context, download.blobKey), names[index] ?? download.fileName));
    zip.end();
    return reply.type('application/zip').header('content-disposition', `attachment; filename="${task.id}-downloads.zip"`).send(zip.outputStream);
  });

  app.get('/api/docs/openapi.json', async () => openApiDocument(context.publicUrl()));

  registerRecordingRoute(app, context);
  registerLiveRoutes(app, context);
  registerWebRoutes(app);
  registerDocsRoutes(app);
}
