import type { ElementHandle } from 'playwright-core';
import { resolveElement } from '../observation/index.js';
import type { ActionContext } from './action.js';

/** The element behind an index of the observation the model saw. Stale or unknown indices throw. */
export async function elementAt(context: ActionContext, index: number): Promise<ElementHandle<Element>> {
  return resolveElement(context.taskContext.page, context.observation, index);
}

export function describeElement(context: ActionContext, index: number): string {
  const element = context.observation.elements.find((candidate) => candidate.index === index);
  return element ? `[${index}] ${element.role}${element.name ? ` "${element.name}"` : ''}` : `[${index}]`;
}

/** Playwright actions take no AbortSignal: race them against it so a cancel lands mid-action. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export const actionTimeoutMs = 5_000;
