import { z } from 'zod';
import { defineAction } from './action.js';
import { elementAt } from './element-target.js';

export const scrollAction = defineAction({
  name: 'scroll',
  description: 'Scroll the page (or the scrollable element with this index) up or down by a number of screens.',
  inputSchema: z.object({
    direction: z.enum(['up', 'down']),
    screens: z.number().min(0.25).max(10).optional(),
    index: z.number().int().min(1).optional(),
  }),
  async handler({ direction, screens = 1, index }, context) {
    const sign = direction === 'down' ? 1 : -1;
    if (index !== undefined) {
      const element = await elementAt(context, index);
      await element.evaluate((node, factor) => node.scrollBy(0, node.clientHeight * factor), sign * screens * 0.8);
    } else {
      await context.taskContext.page.evaluate((factor) => window.scrollBy(0, window.innerHeight * factor), sign * screens * 0.8);
    }
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Scrolled ${direction} ${screens} screen(s).`;
  },
});
