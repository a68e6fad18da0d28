import { z } from 'zod';

export const taskStatusSchema = z.enum(['waiting', 'running', 'done', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** Statuses after which a task never changes again. */
export const finishedTaskStatuses: readonly TaskStatus[] = ['done', 'failed', 'cancelled'];

export function isFinishedTaskStatus(status: TaskStatus): boolean {
  return finishedTaskStatuses.includes(status);
}
