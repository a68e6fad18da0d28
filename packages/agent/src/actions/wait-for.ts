import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';


export const waitForAction = defineAction({
  name: 'wait_for',
  description: 'Wait until a text is visible on the page (at most 10 s), or, without text, until the page settles.',
  inputSchema: z.object({ text: z.string().min(1).optional(), seconds: z.number().min(0.1).max(10).optional() }),
  async handler({ text, seconds = 5 }, context) {
    if (text === undefined) {
      await context.taskContext.waitForSettle({ timeoutMs: seconds * 1000, signal: context.signal });
      return 'The page settled.';
    }
    const locator = context.taskContext.page.getByText(text).first();
    await raceAbort(locator.waitFor({ state: 'visible', timeout: seconds * 1000 }), context.signal).catch((error: unknown) => {
      if (context.signal.aborted) throw error;
      throw new ActionError(`${JSON.stringify(text)} did not appear within ${seconds} s.`);
    });
    return `${JSON.stringify(text)} is visible.`;
  },
});
