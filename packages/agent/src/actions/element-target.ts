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

export const actionTimeoutMs = 5_000;
