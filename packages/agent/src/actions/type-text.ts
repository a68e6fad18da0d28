import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';
import { actionTimeoutMs, describeElement, elementAt } from './element-target.js';

export const typeAction = defineAction({
  name: 'type',
  description:
    'Replace the text of an input, textarea or editable element. Write a secret as its placeholder, e.g. <secret:password>. Set submit to press Enter afterwards.',
  inputSchema: z.object({
    index: z.number().int().min(1),
    text: z.string(),
    submit: z.boolean().optional(),
  }),
  async handler({ index, text, submit }, context) {
    const element = await elementAt(context, index);
    const tagName = await element.evaluate((node) => node.tagName.toLowerCase());
    if (tagName === 'select') throw new ActionError(`[${index}] is a select: use select_option instead.`);
    const realText = context.taskContext.revealSecrets(text, context.taskContext.page.url());
    await raceAbort(element.fill(realText, { timeout: actionTimeoutMs }), context.signal);
    if (submit) {
      await raceAbort(element.press('Enter', { timeout: actionTimeoutMs }), context.signal);
      await context.taskContext.waitForSettle({ signal: context.signal });
    }
    return `Typed ${JSON.stringify(text)} into ${describeElement(context, index)}${submit ? ' and pressed Enter' : ''}.`;
  },
});
