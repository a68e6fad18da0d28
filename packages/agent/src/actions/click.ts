import { z } from 'zod';
import { defineAction } from './action.js';
import { clickElement } from './click-element.js';
import { describeElement } from './element-target.js';

export const clickAction = defineAction({
  name: 'click',
  description: 'Click the element with this index in the current page view.',
  inputSchema: z.object({ index: z.number().int().min(1) }),
  async handler({ index }, context) {
    const tabsBefore = context.taskContext.pages.length;
    await clickElement(context, index);
    await context.taskContext.waitForSettle({ signal: context.signal });
    const opened = context.taskContext.pages.length > tabsBefore ? ' It opened a new tab, now active.' : '';
    return `Clicked ${describeElement(context, index)}.${opened}`;
  },
});
