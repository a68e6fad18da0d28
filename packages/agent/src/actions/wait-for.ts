import { raceAbort } from '@open-smooth/browser';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';

export const waitForAction = defineAction({
  name: 'wait_for',
  description:
    'Wait: until `text` is visible on the page (or, with gone: true, no longer visible), at most `seconds` (default 5, max 10); with only `seconds`, for that long (e.g. a timer or a slow update); with neither, until the page settles.',
  inputSchema: z.object({
    text: z.string().min(1).optional(),
    gone: z.boolean().optional(),
    seconds: z.number().min(0.1).max(10).optional(),
  }),
  async handler({ text, gone = false, seconds }, context) {
    if (text === undefined) {
      if (seconds !== undefined) {
        // The model asked for time to pass (a countdown, a delayed update): wait exactly that, bounded by the schema.
        await sleep(seconds * 1000, undefined, { signal: context.signal });
        await context.taskContext.waitForSettle({ signal: context.signal });
        return `Waited ${seconds} s.`;
      }
      await context.taskContext.waitForSettle({ timeoutMs: 5_000, signal: context.signal });
      return 'The page settled.';
    }
    const limit = seconds ?? 5;
    const locator = context.taskContext.page.getByText(text).first();
    await raceAbort(locator.waitFor({ state: gone ? 'hidden' : 'visible', timeout: limit * 1000 }), context.signal).catch((error: unknown) => {
      if (context.signal.aborted) throw error;
      throw new ActionError(`${JSON.stringify(text)} ${gone ? 'was still visible after' : 'did not appear within'} ${limit} s.`);
    });
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `${JSON.stringify(text)} is ${gone ? 'gone' : 'visible'}.`;
  },
});
