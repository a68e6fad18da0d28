import { abortError } from './errors.js';

export interface TimeoutOptions {
  timeoutMs: number;
  /** The error the promise rejects with once `timeoutMs` has passed. */
  timeoutError: () => Error;
  /** Rejects with the signal's reason (see abortError) as soon as it aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * Settles as `promise` does, or rejects when the time is up or the signal aborts, whichever comes
 * first. It only stops waiting: the caller stops the work itself (terminates a page script, say)
 * when it catches the timeout. The timer and the abort listener go when it settles, and a
 * rejection of `promise` after that is not an unhandled one.
 */
export function withTimeout<T>(promise: Promise<T>, options: TimeoutOptions): Promise<T> {
  const { signal } = options;
  promise.catch(() => undefined);
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = signal ? () => settle(() => reject(abortError(signal))) : undefined;
    const timer = setTimeout(() => settle(() => reject(options.timeoutError())), options.timeoutMs);
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      finish();
    };
    if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
