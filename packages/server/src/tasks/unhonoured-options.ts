import type { TaskRequest } from '@open-smooth/protocol';
import { UnusableTaskOptionError } from './task-errors.js';

/**
 * Options this server cannot honour are refused, never accepted and ignored: a caller who builds
 * on an option that silently does nothing is worse off than one told no.
 */
export function refuseUnhonouredOptions(request: TaskRequest): void {
  if (request.use_captcha_solver === true) {
    throw new UnusableTaskOptionError('use_captcha_solver: no captcha solver is configured on this server; leave it unset or false');
  }
  const experimental = Object.keys(request.experimental_features ?? {});
  if (experimental.length > 0) {
    throw new UnusableTaskOptionError(`experimental_features: this server has none (${experimental.join(', ')}); leave it unset or empty`);
  }
  if (request.session_id != null) {
    throw new UnusableTaskOptionError(
      'session_id is not supported here: open a session with task: null, then send commands to POST /task/{id}/event with that id',
    );
  }
}
