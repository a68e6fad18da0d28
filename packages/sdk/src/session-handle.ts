import type { ActionCloseResponse, ActionRunTaskResponse, TaskResponse } from './api-types.js';
import { toWireFields, toWireSecrets } from './case-conversion.js';
import { isFinishedTaskStatus } from './api-types.js';
import { ApiError, BadRequestError } from './errors.js';
import type { RunTaskOptions } from './run-options.js';
import { TaskHandle, toActionResponse, type WaitOptions } from './task-handle.js';

/** A browser kept open between commands: goto, extract, evaluateJs, runTask, then close. */
export class SessionHandle extends TaskHandle {
  private closed = false;

  /** Runs an agent task in this session's browser, from its current page (or `url`). */
  async runTask(options: RunTaskOptions): Promise<ActionRunTaskResponse> {
    const { secrets, ...rest } = options;
    const input = toWireFields(rest);
    if (secrets) input.secrets = toWireSecrets(secrets);
    return toActionResponse(await this.sendCommand('session_action', 'run_task', input));
  }

  /**
   * Closes the session. `force` (default, as in the official SDK) cancels it at once; otherwise
   * the server finishes the commands in progress, then closes the session and answers.
   */
  async close(force = true): Promise<boolean> {
    this.closed = true;
    if (force) {
      await this.cancelUnlessFinished();
      return true;
    }
    if (this.stream.finished) return true;
    try {
      const answer = toActionResponse<ActionCloseResponse>(await this.sendCommand('session_action', 'close', {}));
      return answer.output !== false;
    } catch (error) {
      // The session ended before the answer reached us: it is closed all the same.
      if (error instanceof BadRequestError && this.stream.finished) return true;
      throw error;
    }
  }

  /** DELETE answers 404 for a session that already ended (idle timeout, earlier close): that is closed too. */
  private async cancelUnlessFinished(): Promise<void> {
    try {
      await this.api.deleteTask(this.id());
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode !== 404) throw error;
      const task = await this.api.getTask(this.id());
      if (!isFinishedTaskStatus(task.status)) throw error;
      this.seed(task);
    }
  }

  /** A session has no final result until it is closed. */
  override async result(options: WaitOptions = {}): Promise<TaskResponse> {
    if (!this.closed && !this.stream.finished) {
      throw new BadRequestError(
        'result() cannot be called on an open session. Close the session first with close(), or use client.run() for one-shot tasks.',
      );
    }
    return super.result(options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.closed) await this.close(true);
  }
}
