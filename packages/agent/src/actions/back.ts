import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction } from './action.js';


export const backAction = defineAction({
  name: 'back',
  description: 'Go back to the previous page in this tab.',
  inputSchema: z.object({}),
  navigates: true,
  async handler(_input, context) {
    const response = await raceAbort(context.taskContext.page.goBack({ waitUntil: 'commit' }), context.signal);
    await context.taskContext.waitForSettle({ signal: context.signal });
    return response === null ? 'There was no previous page.' : `Went back to ${context.taskContext.page.url()}`;
  },
});
