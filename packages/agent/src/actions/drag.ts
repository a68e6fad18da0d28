import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';
import { describeElement, elementAt } from './element-target.js';

/**
 * Drags with the real mouse (press, move in steps, release), so sortable lists, kanban boards,
 * HTML5 drag and drop and sliders all see what a person's drag makes.
 */
export const dragAction = defineAction({
  name: 'drag',
  description:
    'Drag with the mouse: press on element `from` (at fractions from_x, from_y of its box, default its centre) and release onto element `to` (at fractions x, y of its box, default its centre), or offset_x/offset_y pixels away. For sortable lists, kanban boards and sliders: e.g. on a slider track showing 20%, from = to = the track, from_x=0.2, x=0.75.',
  inputSchema: z.object({
    from: z.number().int().min(1),
    from_x: z.number().min(0).max(1).optional(),
    from_y: z.number().min(0).max(1).optional(),
    to: z.number().int().min(1).optional(),
    x: z.number().min(0).max(1).optional(),
    y: z.number().min(0).max(1).optional(),
    offset_x: z.number().optional(),
    offset_y: z.number().optional(),
  }),
  async handler({ from, from_x: fromX = 0.5, from_y: fromY = 0.5, to, x = 0.5, y = 0.5, offset_x: offsetX, offset_y: offsetY }, context) {
    if (to === undefined && offsetX === undefined && offsetY === undefined) {
      throw new ActionError('Say where to drop: give `to` (an element index) or offset_x/offset_y in pixels.');
    }
    const source = await elementAt(context, from);
    await raceAbort(source.scrollIntoViewIfNeeded({ timeout: 5_000 }), context.signal);
    const sourceBox = await source.boundingBox();
    if (!sourceBox) throw new ActionError(`${describeElement(context, from)} is not visible, so it cannot be dragged.`);
    const start = { x: sourceBox.x + sourceBox.width * fromX, y: sourceBox.y + sourceBox.height * fromY };
    let end = { x: start.x + (offsetX ?? 0), y: start.y + (offsetY ?? 0) };
    let where = `by ${offsetX ?? 0}, ${offsetY ?? 0} px`;
    if (to !== undefined) {
      const targetBox = await (await elementAt(context, to)).boundingBox();
      if (!targetBox) throw new ActionError(`${describeElement(context, to)} is not visible, so nothing can be dropped on it.`);
      end = { x: targetBox.x + targetBox.width * x + (offsetX ?? 0), y: targetBox.y + targetBox.height * y + (offsetY ?? 0) };
      const across = x === 0.5 && y === 0.5 ? '' : ` at ${Math.round(x * 100)}% across, ${Math.round(y * 100)}% down (it is ${Math.round(targetBox.width)}×${Math.round(targetBox.height)} px)`;
      where = `onto ${describeElement(context, to)}${across}`;
    }
    const mouse = context.taskContext.page.mouse;
    const drag = async () => {
      await mouse.move(start.x, start.y);
      await mouse.down();
      // A first small move starts the drag the way a hand does; the steps let the page see dragover/mousemove.
      await mouse.move(start.x + Math.sign(end.x - start.x || 1) * 4, start.y + Math.sign(end.y - start.y) * 4, { steps: 2 });
      await mouse.move(end.x, end.y, { steps: 10 });
      await mouse.up();
    };
    await raceAbort(drag(), context.signal);
    await context.taskContext.waitForSettle({ signal: context.signal });
    const grip = fromX === 0.5 && fromY === 0.5 ? '' : ` (pressed at ${Math.round(fromX * 100)}% across, ${Math.round(fromY * 100)}% down)`;
    return `Dragged ${describeElement(context, from)}${grip} ${where}.`;
  },
});
