import { z } from 'zod';
import { customToolSchema, deviceSchema, taskEventSchema, taskRequestSchema, taskStatusSchema } from '@open-smooth/protocol';
import { profileRequestSchema } from './routes/profile-routes.js';
import { describeTaskOptions } from './task-option-descriptions.js';

/** Response shapes, for the document only: handlers build them in wire-format.ts. */
const taskEventOutSchema = z.object({ id: z.string(), name: z.string(), payload: z.record(z.string(), z.unknown()), timestamp: z.number().int() });
const taskResponseSchema = z.object({
  id: z.string(),
  status: taskStatusSchema,
  output: z.unknown(),
  credits_used: z.number().int().nullable(),
  device: deviceSchema.nullable(),
  live_url: z.string().nullable(),
  recording_url: z.string().nullable(),
  downloads_url: z.string().nullable(),
  created_at: z.number().int().nullable(),
  error: z.string().nullable().optional(),
  events: z.array(taskEventOutSchema).nullable().optional(),
});
const idResponseSchema = z.object({ id: z.string() });
/** Open Smooth's own read APIs (not smooth.sh's): what the dashboard shows. */
const taskSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(['task', 'session']),
  task: z.string().nullable(),
  status: taskStatusSchema,
  created_at: z.number().int(),
  finished_at: z.number().nullable().describe('Unix seconds; null while the task runs'),
  duration: z.number().describe('Seconds from creation to the end (to now while it runs)'),
  steps: z.number().int(),
  credits_used: z.number().int(),
  error: z.string().nullable(),
});
const stepSchema = z.object({
  index: z.number().int(),
  url: z.string(),
  reasoning: z.string(),
  actions: z.array(z.object({ name: z.string(), input: z.unknown(), ok: z.boolean(), result: z.string() })),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost: z.number().describe('US dollars'),
  credits: z.number(),
  observe_ms: z.number(),
  model_ms: z.number(),
  act_ms: z.number(),
  screenshot_url: z.string().nullable().describe('Path of GET /task/{task_id}/steps/{index}/screenshot, or null'),
});
const commandSchema = z.object({
  id: z.string(),
  name: z.enum(['goto', 'extract', 'evaluate_js', 'run_task', 'close']),
  input: z.unknown().describe("What the command asked for (a run_task's secrets appear only by name)"),
  sent_at: z.number().describe('Unix seconds'),
  answer: z.object({ code: z.number().int(), output: z.unknown() }).nullable().describe('null until answered'),
});
const fileSchema = z.object({ id: z.string(), file_name: z.string(), purpose: z.string().nullable(), bytes: z.number().int(), creation_time: z.number().int() });
const extensionSchema = z.object({ id: z.string(), file_name: z.string(), creation_time: z.number().int() });
const errorSchema = z.object({ detail: z.string() });
const healthSchema = z.object({ status: z.literal('alive') });
const readySchema = z.object({ status: z.literal('ready'), checks: z.array(z.string()).describe('What was checked: database, blob store, browser') });

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const envelope = (schema: z.ZodType) => ({ type: 'object', properties: { r: jsonSchema(schema) }, required: ['r'] });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (schema: z.ZodType, description = 'Success') => ({ description, content: json(envelope(schema)) });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: `Error (${code})`, content: json(jsonSchema(errorSchema)) }]));
const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const multipart = (extraFields: Record<string, unknown> = {}) => ({
  required: true,
  content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, ...extraFields }, required: ['file'] } } },
});

/** OpenAPI 3.1 for /api/v1, generated from the same zod schemas that validate requests. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const rootServer = [{ url: serverUrl }];
  const deleteExtension = { summary: 'Delete an extension', parameters: [pathParameter('extension_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404) } };
  return {
    openapi: '3.1.0',
    info: { title: 'Open Smooth API', version: '0.1.0', description: 'Self-hosted, smooth.sh-compatible browser agent API. Auth: `apikey` header.' },
    servers: [{ url: `${serverUrl}/api/v1` }],
    components: {
      securitySchemes: { apikey: { type: 'apiKey', in: 'header', name: 'apikey' } },
      schemas: { TaskRequest: describeTaskOptions(jsonSchema(taskRequestSchema)), TaskEvent: jsonSchema(taskEventSchema), ToolSignature: jsonSchema(customToolSchema) },
    },
    security: [{ apikey: [] }],
    paths: {
      '/task': {
        post: { summary: 'Run a task, or open a session with task: null', requestBody: { required: true, content: json(describeTaskOptions(jsonSchema(taskRequestSchema))) }, responses: { '200': ok(taskResponseSchema), ...errors(400, 401, 422, 429) } },
        get: {
          summary: 'List tasks, newest first',
          parameters: [
            { name: 't', in: 'query', schema: { type: 'integer' }, description: 'Only tasks created before this Unix time' },
            { name: 'l', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 128, default: 32 } },
          ],
          responses: { '200': ok(z.array(taskResponseSchema)), ...errors(401, 422) },
        },
      },
      '/task/{task_id}': {
        get: {
          summary: 'Poll a task: 202 while waiting/running, 200 once finished',
          parameters: [
            pathParameter('task_id'),
            { name: 'event_t', in: 'query', schema: { type: 'integer', default: 0 }, description: 'Only events after this timestamp (ms); long-polls while the task is live' },
            { name: 'downloads', in: 'query', schema: { type: 'boolean', default: false } },
          ],
          responses: { '200': ok(taskResponseSchema, 'Finished'), '202': ok(taskResponseSchema, 'Still live'), ...errors(401, 404, 422) },
        },
        delete: { summary: 'Stop a task or close a session', parameters: [pathParameter('task_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404) } },
      },
      '/task/{task_id}/event': {
        post: {
          summary: 'Send a session command or answer a tool call',
          parameters: [pathParameter('task_id')],
          requestBody: { required: true, content: json(jsonSchema(taskEventSchema)) },
          responses: { '200': ok(idResponseSchema), ...errors(400, 401, 404, 422) },
        },
      },
      '/task-summaries': {
        get: {
          summary: 'Tasks of this key for review, newest first, with duration and step counts (Open Smooth only)',
          parameters: [
            { name: 't', in: 'query', schema: { type: 'integer' }, description: 'Only tasks created before this Unix time' },
            { name: 'l', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 128, default: 50 } },
          ],
          responses: { '200': ok(z.array(taskSummarySchema)), ...errors(401, 422) },
        },
      },
      '/task/{task_id}/steps': {
        get: { summary: "The agent's steps of a task, in order (Open Smooth only)", parameters: [pathParameter('task_id')], responses: { '200': ok(z.array(stepSchema)), ...errors(401, 404) } },
      },
      '/task/{task_id}/commands': {
        get: { summary: "A session's commands in the order they were sent, with their answers (Open Smooth only)", parameters: [pathParameter('task_id')], responses: { '200': ok(z.array(commandSchema)), ...errors(401, 404) } },
      },
      '/task/{task_id}/steps/{index}/screenshot': {
        get: {
          summary: 'The screenshot taken at a step (Open Smooth only)',
          parameters: [pathParameter('task_id'), { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { '200': { description: 'The image', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } } }, ...errors(401, 404) },
        },
      },
      '/task/{task_id}/data': { delete: { summary: "Erase a finished task's data", parameters: [pathParameter('task_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404, 409) } } },
      '/profile': {
        post: { summary: 'Create a profile', requestBody: { content: json(jsonSchema(profileRequestSchema)) }, responses: { '200': ok(idResponseSchema), ...errors(401, 409, 422) } },
        get: { summary: 'List profiles', responses: { '200': ok(z.array(idResponseSchema)), ...errors(401) } },
      },
      '/profile/{profile_id}': { delete: { summary: 'Delete a profile', parameters: [pathParameter('profile_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404) } } },
      '/file': {
        post: {
          summary: 'Upload a file for tasks to use',
          requestBody: multipart({ file_purpose: { type: 'string', maxLength: 64 } }),
          responses: { '200': ok(idResponseSchema), ...errors(400, 401, 413) },
        },
        get: { summary: "List this key's files, newest first (Open Smooth only)", responses: { '200': ok(z.array(fileSchema)), ...errors(401) } },
      },
      '/file/{file_id}': { delete: { summary: 'Delete a file', parameters: [pathParameter('file_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404) } } },
      '/extension': {
        post: { summary: 'Upload a Chrome extension (.zip)', requestBody: multipart(), responses: { '200': ok(idResponseSchema), ...errors(400, 401, 413) } },
        get: { summary: 'List extensions', responses: { '200': ok(z.array(extensionSchema)), ...errors(401) } },
      },
      '/extension/{extension_id}': { delete: deleteExtension },
      '/browser/extension/{extension_id}': { delete: deleteExtension },
      // For orchestrators and monitoring: at the server's root, without an API key.
      '/healthz': {
        servers: rootServer,
        get: { summary: 'Liveness: the process answers (no API key)', security: [], responses: { '200': ok(healthSchema) } },
      },
      '/readyz': {
        servers: rootServer,
        get: {
          summary: 'Readiness: the database, the blob store and the browser answer (no API key)',
          security: [],
          responses: { '200': ok(readySchema), '503': { description: 'Not ready; detail names each part that is not and why', content: json(jsonSchema(errorSchema)) } },
        },
      },
      '/metrics': {
        servers: rootServer,
        get: {
          summary: 'Prometheus metrics (no API key): queue depth per key hash, running tasks, task duration, model tokens and credits, browser contexts, process memory',
          security: [],
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
    },
  };
}
