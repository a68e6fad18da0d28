import { z } from 'zod';

/** Variables handed to the model as they are (unlike secrets). At most 16 keys of 2048 chars. */
export const metadataSchema = z
  .record(z.string().max(128), z.union([z.string().max(2048), z.number(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= 16, { message: 'metadata may hold at most 16 keys' });
export type Metadata = z.infer<typeof metadataSchema>;
