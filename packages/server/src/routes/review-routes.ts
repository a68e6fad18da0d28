import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isFinishedTaskStatus } from '@open-smooth/protocol';
import { z } from 'zod';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import type { TaskRecord } from '../store/task-record.js';
import { creditsFromCost } from '../wire-format.js';
import { sendStepScreenshot } from './live-routes.js';
import { stepToWire } from './step-wire.js';

const taskParametersSchema = z.object({ task_id: z.string().min(1).max(200) });
const summariesQuerySchema = z.object({
  t: z.coerce.number().min(0).optional(),
  l: z.coerce.number().int().min(1).max(128).optional(),
});

/** One row of the dashboard's task list. */
export interface TaskSummaryWire {
  id: string;
  kind: 'task' | 'session';
  task: string | null;
  status: string;
  created_at: number;
  /** Unix seconds (fractional), null while it runs. */
  finished_at: number | null;
  /** Seconds from creation to the end (or to now while it runs). */
  duration: number;
  steps: number;
  credits_used: number;
  error: string | null;
}

/**
 * Read APIs for reviewing work (ours, not smooth.sh's): task summaries, a task's steps and their
 * screenshots, the tenant's files. Under /api/v1 with the same key and tenant rules as the rest.
 */
export function registerReviewRoutes(app: FastifyInstance, context: ServerContext): void {
  const taskOf = (request: FastifyRequest): Promise<TaskRecord> => {
    const { task_id } = parseWire(taskParametersSchema, request.params, 'task id');
    return context.tasks.get(request.tenant, task_id);
  };

  app.get('/task-summaries', async (request) => {
    const query = parseWire(summariesQuerySchema, request.query, 'query');
    const beforeMs = query.t === undefined ? undefined : query.t < 1e11 ? query.t * 1000 : query.t;
    const tasks = await context.taskStore.listTasks(request.tenant, query.l ?? 50, beforeMs);
    const stepCounts = await context.taskStore.countSteps(tasks.map((task) => task.id));
    const statuses = await Promise.all(tasks.map((task) => context.tasks.visibleStatus(task)));
    const now = Date.now();
    const summaries: TaskSummaryWire[] = tasks.map((task, index) => {
      const status = statuses[index] ?? task.status;
      const finishedAtMs = isFinishedTaskStatus(status) ? task.finishedAtMs : null;
      return {
        id: task.id,
        kind: task.kind,
        task: task.request.task ?? null,
        status,
        created_at: Math.floor(task.createdAtMs / 1000),
        finished_at: finishedAtMs === null ? null : finishedAtMs / 1000,
        duration: ((finishedAtMs ?? now) - task.createdAtMs) / 1000,
        steps: stepCounts.get(task.id) ?? 0,
        credits_used: Math.ceil(creditsFromCost(task.costDollars) - 1e-9),
        error: isFinishedTaskStatus(status) ? task.error : null,
      };
    });
    return { r: summaries };
  });

  app.get('/task/:task_id/steps', async (request) => {
    const task = await taskOf(request);
    return { r: (await context.taskStore.listSteps(task.id)).map((step) => stepToWire(step, `/api/v1/task/${task.id}/steps/${step.index}/screenshot`)) };
  });

  app.get('/task/:task_id/commands', async (request) => {
    const task = await taskOf(request);
    const answers = new Map((await context.taskStore.listEvents(task.id, 0)).map((event) => [event.id, event.payload]));
    return {
      r: (await context.taskStore.listCommands(task.id)).map((command) => {
        const answer = answers.get(command.id);
        return {
          id: command.id,
          name: command.action,
          input: command.input,
          sent_at: command.sentAtMs / 1000,
          answer: answer && 'code' in answer ? { code: answer.code, output: answer.output } : null,
        };
      }),
    };
  });

  app.get('/task/:task_id/steps/:index/screenshot', async (request, reply) => {
    const task = await taskOf(request);
    const { index } = parseWire(z.object({ index: z.coerce.number().int().min(1).max(100_000) }), request.params, 'step');
    return sendStepScreenshot(reply, context.blobs, await context.taskStore.listSteps(task.id), index);
  });

  app.get('/file', async (request) => ({
    r: (await context.resources.listFiles(request.tenant)).map((file) => ({
      id: file.id,
      file_name: file.fileName,
      purpose: file.purpose,
      bytes: file.bytes,
      creation_time: Math.floor(file.createdAtMs / 1000),
    })),
  }));
}
