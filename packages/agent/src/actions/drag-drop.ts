import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';
import { describeElement, elementAt } from './element-target.js';

export const dragDropAction = defineAction({
  name: 'drag_drop',
  description: 'Drag the element with index `from` and drop it onto the element with index `to`.',
  inputSchema: z.object({ from: z.number().int().min(1), to: z.number().int().min(1) }),
  async handler({ from, to }, context) {
    const source = await elementAt(context, from);
    const target = await elementAt(context, to);
    await source.scrollIntoViewIfNeeded();
    const sourceBox = await source.boundingBox();
    const targetBox = await target.boundingBox();
    if (!sourceBox || !targetBox) throw new ActionError('Both elements must be visible to drag and drop.');
    const mouse = context.taskContext.page.mouse;
    const drag = async () => {
      await mouse.move(sourceBox.x + sourceBox.width / 2, sourceBox.y + sourceBox.height / 2);
      await mouse.down();
      // Intermediate moves let the page see dragenter/dragover before the drop.
      await mouse.move(targetBox.x + targetBox.width / 2, targetBox.y + targetBox.height / 2, { steps: 8 });
      await mouse.up();
    };
    await raceAbort(drag(), context.signal);
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Dragged ${describeElement(context, from)} onto ${describeElement(context, to)}.`;
  },
});
