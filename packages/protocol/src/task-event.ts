import { z } from 'zod';
import { agentTierSchema, maxStepsSchema, responseModelSchema } from './task-request.js';
import { metadataSchema } from './metadata.js';
import { secretsSchema } from './secrets.js';

export const taskEventNameSchema = z.enum(['browser_action', 'session_action', 'tool_call']);
export type TaskEventName = z.infer<typeof taskEventNameSchema>;

/** POST /task/{id}/event body. `payload` is `{name, input}` for commands, `{code, output}` for answers. */
export const taskEventSchema = z.object({
  id: z.string().min(1).max(128).nullable().optional(),
  name: taskEventNameSchema,
  payload: z.record(z.string(), z.unknown()),
  timestamp: z.number().int().nullable().optional(),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

/** An event as stored and returned by GET /task/{id}: always has an id and a timestamp (ms). */
export interface StoredTaskEvent {
  id: string;
  name: TaskEventName;
  payload: Record<string, unknown>;
  timestamp: number;
}

/**
 * What a poll of a live task carries when it has nothing else: no id (clients skip events without
 * one) and a timestamp that never passes an unseen event. The official clients sleep before the
 * next poll after an empty answer, and one of them never wakes if its last user leaves during that
 * sleep; an answer that is never empty keeps them polling.
 */
export interface HeartbeatEvent {
  id: null;
  name: 'heartbeat';
  payload: { status: 'waiting' | 'running' };
  timestamp: number;
}

/** An event in a poll's answer. */
export type PolledTaskEvent = StoredTaskEvent | HeartbeatEvent;

/**
 * Request header of a client that registers its answer handler before it posts a command: it may
 * see error answers at once. Other clients see them only once their handler is surely attached
 * (the official TS client attaches it up to ~1 s after a GET that follows the POST).
 */
export const handlersFirstHeader = 'x-open-smooth-handlers-first';

export const gotoInputSchema = z.object({ url: z.url() });
export const extractInputSchema = z.object({
  schema: responseModelSchema,
  prompt: z.string().max(10_000).nullable().optional(),
});
export const evaluateJsInputSchema = z.object({
  js: z.string().min(1).max(1_000_000),
  args: z.record(z.string(), z.unknown()).nullable().optional(),
});
export const runTaskInputSchema = z.object({
  task: z.string().min(1).max(100_000),
  max_steps: maxStepsSchema.optional(),
  response_model: responseModelSchema.nullable().optional(),
  url: z.url().nullable().optional(),
  metadata: metadataSchema.nullable().optional(),
  secrets: secretsSchema.nullable().optional(),
  agent: agentTierSchema.optional(),
});
export type RunTaskInput = z.infer<typeof runTaskInputSchema>;

/** Commands a session accepts, by event name and payload name. `exec_js` is evaluate_js's old name. */
export const browserActionInputSchemas = {
  goto: gotoInputSchema,
  extract: extractInputSchema,
  evaluate_js: evaluateJsInputSchema,
  exec_js: evaluateJsInputSchema,
} as const;
export const sessionActionInputSchemas = {
  run_task: runTaskInputSchema,
  close: z.object({ force: z.boolean().optional() }).passthrough(),
} as const;

/** Answer payload for a command or a tool call. */
export const eventAnswerSchema = z.object({
  code: z.union([z.literal(200), z.literal(400), z.literal(500)]),
  output: z.unknown(),
});
export type EventAnswer = z.infer<typeof eventAnswerSchema>;
