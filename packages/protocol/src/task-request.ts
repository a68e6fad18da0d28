import { z } from 'zod';
import { additionalToolsSchema } from './additional-tools.js';
import { customToolSchema } from './custom-tool.js';
import { deviceSchema } from './device.js';
import { metadataSchema } from './metadata.js';
import { secretsSchema } from './secrets.js';

export const agentTierSchema = z.enum(['smooth', 'smooth-lite']);
export type AgentTier = z.infer<typeof agentTierSchema>;

export const maxStepsSchema = z.number().int().min(2).max(128);

/** A JSON schema the final answer must satisfy. Compiled with Ajv where it is used. */
export const responseModelSchema = z.record(z.string(), z.unknown());

/** One rule for a profile id wherever it enters (POST /task, POST /profile): it names a directory. */
export const profileIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'profile ids are 1-128 letters, digits, _, . or -')
  .refine((id) => id !== '.' && id !== '..', 'not a profile id');

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const certificateSchema = z.object({
  /** Base64 of a PKCS#12 (.p12) file. */
  file: z.string().min(1),
  password: nullable(z.string()),
  /** Open Smooth's addition: the https origin to present the certificate to (default: the task's url's origin). */
  origin: nullable(z.string()),
});

/**
 * POST /task body, as on the wire (snake_case). Defaults are applied by the server, not here,
 * so clients that send only what the caller set get the server's defaults.
 */
export const taskRequestSchema = z.object({
  task: z.string().min(1).max(100_000).nullable(),
  response_model: nullable(responseModelSchema),
  url: nullable(z.url()),
  metadata: nullable(metadataSchema),
  secrets: nullable(secretsSchema),
  files: nullable(z.array(z.string().min(1)).max(64)),
  agent: agentTierSchema.optional(),
  max_steps: maxStepsSchema.optional(),
  device: nullable(deviceSchema),
  allowed_urls: nullable(z.array(z.string().min(1).max(2048)).max(256)),
  enable_recording: nullable(z.boolean()),
  session_id: nullable(z.string()),
  profile_id: nullable(profileIdSchema),
  profile_read_only: nullable(z.boolean()),
  stealth_mode: nullable(z.boolean()),
  proxy_server: nullable(z.string()),
  proxy_username: nullable(z.string()),
  proxy_password: nullable(z.string()),
  certificates: nullable(z.array(certificateSchema).max(16)),
  use_adblock: nullable(z.boolean()),
  use_captcha_solver: nullable(z.boolean()),
  additional_tools: nullable(additionalToolsSchema),
  custom_tools: nullable(z.array(customToolSchema).max(64)),
  experimental_features: nullable(z.record(z.string(), z.unknown())),
  extensions: nullable(z.array(z.string().min(1)).max(32)),
  show_cursor: nullable(z.boolean()),
});
export type TaskRequest = z.infer<typeof taskRequestSchema>;
