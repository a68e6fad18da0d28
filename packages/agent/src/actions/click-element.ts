import { raceAbort } from '@open-smooth/browser';
import { evaluateOnElement } from '../observation/index.js';
import type { ActionContext } from './action.js';
import { clickablePoint } from './clickable-point.js';
import { actionTimeoutMs, elementAt } from './element-target.js';

/**
 * Clicks `[index]`. The element was hit-tested by the observation a moment ago; when one evaluate
 * finds it still in the viewport, enabled and on top at its centre, the mouse clicks there. Else
 * Playwright's click scrolls it into view, waits for it to be visible, stable, enabled and not
 * covered, and reports why it cannot click.
 */
export async function clickElement(context: ActionContext, index: number): Promise<void> {
  const page = context.taskContext.page;
  const point = await raceAbort(evaluateOnElement(page, context.observation, index, clickablePoint, undefined), context.signal);
  if (!('fallback' in point)) {
    await raceAbort(page.mouse.click(point.x, point.y), context.signal);
    return;
  }
  const element = await elementAt(context, index);
  await raceAbort(element.click({ timeout: actionTimeoutMs }), context.signal);
}
