/**
 * What the packages log through: pino's convention (fields first, then the message), so a pino
 * logger is one as it is. Fields are for machines (`taskId`, `workerId`, `err`: an Error, with its
 * stack), the message is for people.
 */
export interface Logger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
  child(fields: Record<string, unknown>): Logger;
}
