import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../http-errors.js';

/** Swagger UI's own files, from the swagger-ui-dist package: the docs work offline. */
const swaggerFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};
const swaggerDirectory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open Smooth API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<style>body{margin:0} .topbar{display:none}</style>
</head>
<body>
<div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/assets/start.js"></script>
</body>
</html>`;

/** Starts Swagger UI on the server's own OpenAPI document (a file, so a strict CSP can forbid inline script). */
const startScript = `window.ui = SwaggerUIBundle({
  url: '/api/docs/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  validatorUrl: null,
  persistAuthorization: false,
});
`;

/** /api/docs: the OpenAPI document rendered for a person, from files served here (no network needed). */
export function registerDocsRoutes(app: FastifyInstance): void {
  const cache = new Map<string, Promise<Buffer>>();
  app.get('/api/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage));
  app.get('/api/docs/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (file === 'start.js') return reply.type('text/javascript; charset=utf-8').send(startScript);
    const type = swaggerFiles[file];
    if (!type) throw new NotFoundError(`no such file: /api/docs/assets/${file}`);
    let content = cache.get(file);
    if (!content) {
      content = readFile(join(swaggerDirectory, file));
      cache.set(file, content);
    }
    return reply.type(type).header('cache-control', 'public, max-age=86400').send(await content);
  });
}
