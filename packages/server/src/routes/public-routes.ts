import type { FastifyInstance } from 'fastify';
import yazl from 'yazl';
import { z } from 'zod';
import { NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import { openApiDocument } from '../openapi-document.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character);

/** Distinct names inside the zip even when two downloads share a suggested file name. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    return count === 0 ? name : `${count}-${name}`;
  });
}

/** Routes without an API key: the unguessable id or token in the path is the permission. */
export function registerPublicRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get('/live/:task_id', async (request, reply) => {
    const { task_id } = parseWire(z.object({ task_id: z.string() }), request.params, 'task id');
    const task = context.taskStore.getTask(task_id);
    if (!task) throw new NotFoundError(`task not found: ${task_id}`);
    const status = context.tasks.visibleStatus(task);
    const steps = context.taskStore.listSteps(task.id);
    const url = context.tasks.currentUrl(task.id) ?? steps.at(-1)?.url ?? '';
    const live = status === 'waiting' || status === 'running';
    const stepLines = steps
      .slice(-20)
      .map((step) => `<li>${escapeHtml(step.url)}: ${escapeHtml(step.actions.map((action) => action.name).join(', '))}</li>`)
      .join('');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Open Smooth · ${escapeHtml(task.id)}</title>
${live ? '<meta http-equiv="refresh" content="2">' : ''}<style>body{font:15px system-ui;margin:2em;max-width:50em}code{background:#eee;padding:0 .3em}</style></head>
<body><h1>Task <code>${escapeHtml(task.id)}</code></h1>
<p>Status: <strong>${escapeHtml(status)}</strong>${task.error && !live ? ` — ${escapeHtml(task.error)}` : ''}</p>
<p>Page: ${escapeHtml(url) || '(none yet)'}</p><p>Steps: ${steps.length}</p><ol>${stepLines}</ol></body></html>`;
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/downloads/:token/downloads.zip', async (request, reply) => {
    const { token } = parseWire(z.object({ token: z.string() }), request.params, 'token');
    const task = context.taskStore.getTaskByDownloadsToken(token);
    const downloads = task ? context.taskStore.listDownloads(task.id) : [];
    if (!task || downloads.length === 0) throw new NotFoundError('no downloads here');
    const zip = new yazl.ZipFile();
    const names = uniqueNames(downloads.map((download) => download.fileName));
    downloads.forEach((download, index) => zip.addFile(download.path, names[index] ?? download.fileName));
    zip.end();
    return reply.type('application/zip').header('content-disposition', `attachment; filename="${task.id}-downloads.zip"`).send(zip.outputStream);
  });

  app.get('/api/docs/openapi.json', async () => openApiDocument(context.publicUrl()));

  app.get('/api/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html><html><head><meta charset="utf-8"><title>Open Smooth API</title></head>
<body style="font:15px system-ui;margin:2em"><h1>Open Smooth API</h1><p>The OpenAPI document: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a>.
Every endpoint lives under <code>/api/v1</code> and takes the key in the <code>apikey</code> header.</p></body></html>`),
  );
}
