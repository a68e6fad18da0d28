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
const extensionSchema = z.object({ id: z.string(), file_name: z.string(), creation_time: z.number().int() });
const errorSchema = z.object({ detail: z.string() });

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
      },
      '/file/{file_id}': { delete: { summary: 'Delete a file', parameters: [pathParameter('file_id')], responses: { '200': ok(z.boolean()), ...errors(401, 404) } } },
      '/extension': {
        post: { summary: 'Upload a Chrome extension (.zip)', requestBody: multipart(), responses: { '200': ok(idResponseSchema), ...errors(400, 401, 413) } },
        get: { summary: 'List extensions', responses: { '200': ok(z.array(extensionSchema)), ...errors(401) } },
      },
      '/extension/{extension_id}': { delete: deleteExtension },
      '/browser/extension/{extension_id}': { delete: deleteExtension },
    },
  };
}
