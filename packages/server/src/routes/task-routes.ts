import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  browserActionInputSchemas,
  eventAnswerSchema,
  handlersFirstHeader,
  isFinishedTaskStatus,
  sessionActionInputSchemas,
  taskEventSchema,
  taskRequestSchema,
  type TaskStatus,
} from '@open-smooth/protocol';
import { BadRequestError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import type { TaskRecord } from '../store/task-record.js';
import type { SessionCommand } from '../tasks/session-command.js';
import type { PollOptions } from '../tasks/task-service.js';
import { TaskResponseBodies } from '../task-response-bodies.js';
import { liveUrlOf, recordingUrlOf } from '../task-urls.js';
import { agentRunFromWire, taskResponseToWire } from '../wire-format.js';

/** What Fastify sends for an object body; the prebuilt bodies say the same. */
const jsonContentType = 'application/json; charset=utf-8';

const taskParametersSchema = z.object({ task_id: z.string().min(1).max(200) });
const booleanQuery = z.enum(['true', 'false', '1', '0', 'True', 'False']).transform((value) => value === 'true' || value === '1' || value === 'True');

export const getTaskQuerySchema = z.object({
  event_t: z.coerce.number().min(0).optional(),
  downloads: booleanQuery.optional(),
});
export const listTasksQuerySchema = z.object({
  t: z.coerce.number().min(0).optional(),
  l: z.coerce.number().int().min(1).max(128).optional(),
});
const commandPayloadSchema = z.object({
  name: z.string().min(1).max(64),
  input: z.record(z.string(), z.unknown()).nullable().optional(),
});


async function downloadsUrlOf(context: ServerContext, task: TaskRecord, finished: boolean): Promise<string | undefined> {
  if (!finished) return undefined;
  if ((await context.taskStore.listDownloads(task.id)).length === 0) return '';
  return `${context.publicUrl()}/downloads/${task.downloadsToken}/downloads.zip`;
}

/** Validates a browser_action / session_action payload into a command. */
function commandFromEvent(eventName: 'browser_action' | 'session_action', id: string, payload: unknown): SessionCommand {
  const { name, input } = parseWire(commandPayloadSchema, payload, `${eventName} payload`);
  const raw = input ?? {};
  if (eventName === 'browser_action') {
    switch (name) {
      case 'goto':
        return { id, eventName, action: 'goto', url: parseWire(browserActionInputSchemas.goto, raw, 'goto input').url };
      case 'extract': {
        const extract = parseWire(browserActionInputSchemas.extract, raw, 'extract input');
        return { id, eventName, action: 'extract', schema: extract.schema, ...(extract.prompt ? { prompt: extract.prompt } : {}) };
      }
      case 'evaluate_js':
      case 'exec_js': {
        const evaluate = parseWire(browserActionInputSchemas.evaluate_js, raw, `${name} input`);
        return { id, eventName, action: 'evaluate_js', js: evaluate.js, ...(evaluate.args ? { args: evaluate.args } : {}) };
      }
      default:
        throw new BadRequestError(`unknown browser_action: ${name} (expected goto, extract or evaluate_js)`);
    }
  }
  switch (name) {
    case 'run_task':
      return { id, eventName, action: 'run_task', run: agentRunFromWire(parseWire(sessionActionInputSchemas.run_task, raw, 'run_task input')) };
    case 'close':
      return { id, eventName, action: 'close', force: parseWire(sessionActionInputSchemas.close, raw, 'close input').force === true };
    default:
      throw new BadRequestError(`unknown session_action: ${name} (expected run_task or close)`);
  }
}

export function registerTaskRoutes(app: FastifyInstance, context: ServerContext): void {
  const taskOf = (request: FastifyRequest) => {
    const { task_id } = parseWire(taskParametersSchema, request.params, 'task id');
    return context.tasks.get(request.tenant, task_id);
  };
  // GET /task/{id} is the hot path (every client polls it): plain cases skip zod, the rest get its checks and messages.
  const taskIdOf = (request: FastifyRequest): string => {
    const taskId = (request.params as { task_id?: unknown }).task_id;
    if (typeof taskId === 'string' && taskId.length >= 1 && taskId.length <= 200) return taskId;
    return parseWire(taskParametersSchema, request.params, 'task id').task_id;
  };
  const getTaskQueryOf = (request: FastifyRequest): z.infer<typeof getTaskQuerySchema> => {
    const query = request.query as Record<string, unknown>;
    return Object.keys(query).length === 0 ? {} : parseWire(getTaskQuerySchema, query, 'query');
  };

  app.post('/task', async (request) => {
    const body = parseWire(taskRequestSchema, request.body, 'task request');
    const task = await context.tasks.create(request.tenant, body);
    const queue = await context.tasks.queueStanding(task);
    return {
      r: taskResponseToWire(task, { status: await context.tasks.visibleStatus(task), liveUrl: liveUrlOf(context, task), recordingUrl: recordingUrlOf(context, task), ...(queue ? { queue } : {}) }),
    };
  });

  app.get('/task', async (request) => {
    const query = parseWire(listTasksQuerySchema, request.query, 'query');
    // `t` is Unix seconds like created_at; millisecond values are accepted as they are.
    const beforeMs = query.t === undefined ? undefined : query.t < 1e11 ? query.t * 1000 : query.t;
    const tasks = await context.taskStore.listTasks(request.tenant, query.l ?? 32, beforeMs);
    const statuses = await Promise.all(tasks.map((task) => context.tasks.visibleStatus(task)));
    const records = await Promise.all(tasks.map((task, index) => recordMatching(context, task, statuses[index] ?? task.status)));
    return {
      r: records.map((task, index) =>
        taskResponseToWire(task, { status: statuses[index] ?? task.status, liveUrl: liveUrlOf(context, task), recordingUrl: recordingUrlOf(context, task) }),
      ),
    };
  });

  const bodies = new TaskResponseBodies();

  app.get('/task/:task_id', async (request, reply: FastifyReply) => {
    const task = await context.tasks.get(request.tenant, taskIdOf(request));
    const query = getTaskQueryOf(request);
    const pollOptions = { handlersFirst: request.headers[handlersFirstHeader] !== undefined, startedAtMs: Date.now() };
    const polled =
      query.event_t === undefined
        ? { status: await context.tasks.visibleStatus(task), events: undefined }
        : ((await context.tasks.pollNow(task, query.event_t, false, pollOptions)) ?? (await waitForNews(reply, task, query.event_t, pollOptions)));
    const finished = isFinishedTaskStatus(polled.status);
    // A long-poll outlives the record read for this request; so may any read, when another process ends the task meanwhile.
    const current = query.event_t === undefined ? await recordMatching(context, task, polled.status) : ((await context.taskStore.getTask(task.id)) ?? task);
    const downloadsUrl = query.downloads ? await downloadsUrlOf(context, current, finished) : undefined;
    const queue = polled.status === 'waiting' ? await context.tasks.queueStanding(task) : undefined;
    const body = bodies.bodyOf(current, {
      status: polled.status,
      liveUrl: liveUrlOf(context, current),
      recordingUrl: recordingUrlOf(context, current),
      ...(downloadsUrl !== undefined ? { downloadsUrl } : {}),
      ...(queue !== undefined ? { queue } : {}),
      ...(polled.events !== undefined ? { events: polled.events } : {}),
    });
    return reply.status(finished ? 200 : 202).type(jsonContentType).send(body);
  });

  /** A poll with nothing new yet waits for news, until the client goes away or the server closes. */
  async function waitForNews(reply: FastifyReply, task: TaskRecord, eventT: number, pollOptions: PollOptions) {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    reply.raw.once('close', onClose);
    context.closing.addEventListener('abort', onClose, { once: true });
    try {
      return await context.tasks.poll(task, eventT, context.longPollMs, abort.signal, pollOptions);
    } finally {
      reply.raw.off('close', onClose);
      context.closing.removeEventListener('abort', onClose);
    }
  }

  app.delete('/task/:task_id', async (request) => {
    await context.tasks.cancel(await taskOf(request));
    return { r: true };
  });

  app.delete('/task/:task_id/data', async (request) => {
    await context.tasks.eraseData(await taskOf(request));
    return { r: true };
  });

  app.post('/task/:task_id/event', async (request) => {
    const task = await taskOf(request);
    const event = parseWire(taskEventSchema, request.body, 'event');
    if (event.name === 'tool_call') {
      if (!event.id) throw new BadRequestError('a tool_call answer needs the id of the tool_call event it answers');
      const answer = parseWire(eventAnswerSchema, event.payload, 'tool_call answer');
      await context.tasks.answerToolCall(task, event.id, answer.code, answer.output);
      return { r: { id: event.id } };
    }
    const id = event.id ?? `evt_${randomBytes(12).toString('base64url')}`;
    await context.tasks.submitCommand(task, commandFromEvent(event.name, id, event.payload));
    return { r: { id } };
  });
}

/**
 * The record to answer with: the one read, unless the status read after it says the task has
 * finished while the record still says live (it ended in between, perhaps in another process):
 * then its final record, so the answer never says `failed` without the error.
 */
async function recordMatching(context: ServerContext, task: TaskRecord, status: TaskStatus): Promise<TaskRecord> {
  if (!isFinishedTaskStatus(status) || isFinishedTaskStatus(task.status)) return task;
  return (await context.taskStore.getTask(task.id)) ?? task;
}
