import { z } from 'zod';

/** A tool that runs on the client: the server forwards calls as `tool_call` events. */
export const customToolSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'tool names are 1-64 letters, digits, _ or -, starting with a letter or _'),
  description: z.string().max(4096),
  inputs: z.record(z.string(), z.unknown()),
  output: z.string().max(4096),
});
export type CustomTool = z.infer<typeof customToolSchema>;
