import { z } from 'zod';
import { defineAction } from './action.js';

export const gotoAction = defineAction({
  name: 'goto',
  description: 'Open a URL in the current tab.',
  inputSchema: z.object({ url: z.string().min(1).describe('Absolute URL, e.g. https://example.com/page') }),
  navigates: true,
  async handler({ url }, context) {
    // "example.com" and "localhost:3000/x" have no scheme (a port is not one); the task's network
    // policy refuses file:, chrome: and every other scheme but http(s) in taskContext.goto.
    const target = /^[a-z][a-z0-9+.-]*:(?!\d)/i.test(url) ? url : `https://${url}`;
    await context.taskContext.goto(target, { signal: context.signal });
    return `Opened ${context.taskContext.page.url()}`;
  },
});
