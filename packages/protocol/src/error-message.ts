/** The message of anything thrown (a non-Error throw reads as its string form). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
