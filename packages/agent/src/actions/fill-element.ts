import { raceAbort } from '@open-smooth/browser';
import { evaluateOnElement } from '../observation/index.js';
import { ActionError, type ActionContext } from './action.js';
import { actionTimeoutMs, elementAt } from './element-target.js';
import { prepareForTyping } from './prepare-for-typing.js';

/**
 * Replaces the text of `[index]` with `text` (already revealed: it may hold a secret, so it is
 * never put in a message). Plain text fields take one evaluate (checks, select, focus) and one
 * trusted insertText, the same input events as Playwright's fill; other fields use that fill.
 */
export async function fillElement(context: ActionContext, index: number, text: string): Promise<void> {
  const page = context.taskContext.page;
  const preparation = await raceAbort(evaluateOnElement(page, context.observation, index, prepareForTyping, undefined), context.signal);
  if (preparation === 'select') throw new ActionError(`[${index}] is a select: use select_option instead.`);
  if (preparation === 'ready') {
    // An empty text deletes the selection, as Playwright's fill does.
    await raceAbort(text === '' ? page.keyboard.press('Delete') : page.keyboard.insertText(text), context.signal);
    return;
  }
  const element = await elementAt(context, index);
  await raceAbort(element.fill(text, { timeout: actionTimeoutMs }), context.signal);
}
