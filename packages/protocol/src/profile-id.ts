import { z } from 'zod';

/** A profile id: safe as a file name, the same rule for POST /profile and a task's profile_id. */
export const profileIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'profile ids are 1-128 letters, digits, _, . or -')
  .refine((id) => id !== '.' && id !== '..', 'not a profile id');
