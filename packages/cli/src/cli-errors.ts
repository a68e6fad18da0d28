/** Bad command line: wrong flags, missing arguments, unreadable JSON. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
