import type { z } from 'zod';
import { ValidationError } from './http-errors.js';

/** Describes zod issues as one line a person can act on: `max_steps: Too big: expected ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses untrusted wire input with a zod schema, throwing a 422 that says what is wrong. */
export function parseWire<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}
