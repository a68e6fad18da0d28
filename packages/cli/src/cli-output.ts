import { ApiError } from '@open-smooth/sdk';
import { UsageError } from './cli-errors.js';
import { errorMessage } from '@open-smooth/protocol';

/** Writes results for people (text) or for programs (`--json`: one JSON document on stdout). */
export class CliOutput {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /**
   * The command's result: in JSON mode `{success: true, message, ...data}` (the official CLI's
   * shape: the keys of `data` are its keys), `lines` otherwise.
   */
  result(message: string, data: Record<string, unknown>, lines: string[]): void {
    if (this.json) this.stdout.write(`${JSON.stringify({ success: true, message, ...data }, null, 2)}\n`);
    else this.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Something the operator must not miss: on stderr, in JSON mode too. */
  warning(lines: string[]): void {
    this.stderr.write(`${lines.join('\n')}\n`);
  }

  /** Progress for people; silent in JSON mode so stdout stays parseable. */
  progress(message: string): void {
    if (!this.json) this.stderr.write(`${message}\n`);
  }

  /** Reports an error and returns the exit code: 2 for usage errors, 1 otherwise. */
  error(error: unknown): number {
    const exitCode = error instanceof UsageError ? 2 : 1;
    if (this.json) {
      // As the official CLI: `{success: false, error}` on stderr.
      this.stderr.write(`${JSON.stringify(describeError(error), null, 2)}\n`);
    } else {
      this.stderr.write(`Error: ${error instanceof ApiError ? describeApiError(error) : errorMessage(error)}\n`);
    }
    return exitCode;
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof ApiError) {
    return { success: false, error: error.detail, type: error.name, status: error.statusCode };
  }
  return { success: false, error: errorMessage(error), type: error instanceof Error ? error.name : 'Error' };
}


/** Text of an agent's output: strings as they are, anything else as JSON. */
export function formatOutput(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output, null, 2);
}

function describeApiError(error: ApiError): string {
  return error.statusCode === 0 ? `${error.detail} (is the server running? \`smooth serve\` starts one)` : `${error.detail} (HTTP ${error.statusCode})`;
}
