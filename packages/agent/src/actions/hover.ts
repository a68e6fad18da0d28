import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction } from './action.js';
import { actionTimeoutMs, describeElement, elementAt } from './element-target.js';

export const hoverAction = defineAction({
  name: 'hover',
  description: 'Move the mouse over the element with this index (opens hover menus and tooltips).',
  inputSchema: z.object({ index: z.number().int().min(1) }),
  async handler({ index }, context) {
    const element = await elementAt(context, index);
    await raceAbort(element.hover({ timeout: actionTimeoutMs }), context.signal);
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Hovering over ${describeElement(context, index)}.`;
  },
});
