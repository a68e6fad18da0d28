import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction } from './action.js';
import { actionTimeoutMs, elementAt } from './element-target.js';

export const pressKeyAction = defineAction({
  name: 'press_key',
  description: 'Press a key or chord (Enter, Escape, Tab, ArrowDown, Control+A…), on an element when index is given.',
  inputSchema: z.object({ key: z.string().min(1), index: z.number().int().min(1).optional() }),
  async handler({ key, index }, context) {
    if (index !== undefined) {
      const element = await elementAt(context, index);
      await raceAbort(element.press(key, { timeout: actionTimeoutMs }), context.signal);
    } else {
      await raceAbort(context.taskContext.page.keyboard.press(key), context.signal);
    }
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Pressed ${key}.`;
  },
});
