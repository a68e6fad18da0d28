import { raceAbort, shieldSecretField } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction, type ActionContext } from './action.js';
import { describeElement } from './element-target.js';
import { fillElement } from './fill-element.js';
import { evaluateOnElement } from '../observation/index.js';
import { waitForSuggestions } from './wait-for-suggestions.js';

/** How long a combobox may take to show its suggestions after typing. */
const suggestionWaitMs = 2_000;

/** A plain textbox has no suggestion list (those are combobox/searchbox). */
function isPlainTextField(context: ActionContext, index: number): boolean {
  const element = context.observation.elements.find((candidate) => candidate.index === index);
  return element?.role === 'textbox' && (element.tagName === 'input' || element.tagName === 'textarea');
}

/** Draws a field's text as discs while it holds a secret (see shieldSecretField), or stops. */
function shieldField(context: ActionContext, index: number, shielded: boolean): Promise<void> {
  return raceAbort(evaluateOnElement(context.taskContext.page, context.observation, index, shieldSecretField, shielded), context.signal);
}

export const typeAction = defineAction({
  name: 'type',
  description:
    'Replace the text of an input, textarea or editable element with real key presses, then check what it holds. Date, time, colour and range inputs take natural formats (01/21/2011, 2:37 PM, #ff0000, 40). On an element that is not a text field (a terminal) the keys go to it. Write a secret as its placeholder, e.g. <secret:password>. Set submit to press Enter afterwards.',
  inputSchema: z.object({
    index: z.number().int().min(1),
    text: z.string(),
    submit: z.boolean().optional(),
  }),
  keepsElementList({ index, submit }, context) {
    return !submit && isPlainTextField(context, index);
  },
  async handler({ index, text, submit }, context) {
    const realText = context.taskContext.revealSecrets(text, context.taskContext.page.url());
    const holdsSecret = realText !== text;
    // Before the first key: no screenshot or screencast frame may show a secret, even half typed.
    if (holdsSecret) await shieldField(context, index, true);
    const { note } = await fillElement(context, index, realText, text);
    // After the last key: the field shows its new text only once the secret is gone from it.
    if (!holdsSecret && context.taskContext.hasSecrets) await shieldField(context, index, false);
    if (!submit && realText !== '' && !isPlainTextField(context, index)) {
      // A combobox's suggestions often come after a pause and a slow request: wait for them (bounded).
      const page = context.taskContext.page;
      const suggestions = await raceAbort(evaluateOnElement(page, context.observation, index, waitForSuggestions, suggestionWaitMs), context.signal);
      if (suggestions !== 'not a suggestion field') await context.taskContext.waitForSettle({ signal: context.signal });
    }
    if (submit) {
      // The field has focus after filling it.
      await raceAbort(context.taskContext.page.keyboard.press('Enter'), context.signal);
      await context.taskContext.waitForSettle({ signal: context.signal });
    }
    return `Typed ${JSON.stringify(text)} into ${describeElement(context, index)}${submit ? ' and pressed Enter' : ''}.${note}`;
  },
});
