import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../http-errors.js';
import { webAsset, webAssetTypes } from './web-assets.js';

/** The front end's files; only these names are served. */
const servedFiles = new Set(['live.js', 'dashboard.js', 'style.css']);

/** The dashboard at `/` and the front end's static files under `/web/`. */
export function registerWebRoutes(app: FastifyInstance): void {
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await webAsset('dashboard.html')));

  app.get('/web/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!servedFiles.has(file)) throw new NotFoundError(`no such file: /web/${file}`);
    const extension = file.slice(file.lastIndexOf('.'));
    return reply.type(webAssetTypes[extension] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(await webAsset(file));
  });
}
