import { IsolatedWorld, raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { evaluateOnElement } from '../observation/index.js';
import { ActionError, defineAction, type ActionContext } from './action.js';
import { describeElement, elementAt } from './element-target.js';
import { selectedText, selectTextDirectly, textRangeIn } from './text-range.js';

type ElementFunction<Argument, Result> = (element: Element, argument: Argument) => Result;

/** Runs an element function on the top frame's body, in our isolated world. */
async function onBody<Argument, Result>(context: ActionContext, pageFunction: ElementFunction<Argument, Result>, argument: Argument): Promise<Result> {
  const world = await IsolatedWorld.for(context.taskContext.page);
  const source = `(argument) => { const __name = (target) => target; return (${pageFunction.toString()})(document.body, argument); }`;
  return world.call<Result>(await world.mainFrameId(), source, argument);
}

/** Runs `pageFunction` on `[index]`, or on the page's body when no index is given. */
async function onTarget<Argument, Result>(
  context: ActionContext,
  index: number | undefined,
  pageFunction: ElementFunction<Argument, Result>,
  argument: Argument,
): Promise<Result> {
  const page = context.taskContext.page;
  const running =
    index === undefined
      ? onBody(context, pageFunction, argument)
      : evaluateOnElement(page, context.observation, index, pageFunction, argument);
  return raceAbort(running, context.signal);
}

/**
 * Selects text the way a person does, pressing the mouse before the first character and releasing
 * it after the last, so pages that react to mouseup or selectionchange (highlighters, "quote
 * this") see a real selection. Checks what got selected.
 */
export const selectTextAction = defineAction({
  name: 'select_text',
  description:
    'Select (highlight) text with the mouse: `text` wherever it is on the page, or inside element `index`; with only `index`, all of that element\'s text.',
  inputSchema: z.object({ index: z.number().int().min(1).optional(), text: z.string().min(1).optional() }),
  keepsElementList: () => true,
  async handler({ index, text }, context) {
    if (index === undefined && text === undefined) throw new ActionError('Give the text to select, an element index, or both.');
    const where = index === undefined ? 'the page' : describeElement(context, index);
    const wanted = text ?? null;
    const range = await onTarget(context, index, textRangeIn, wanted);
    if ('missing' in range) throw new ActionError(`Cannot select in ${where}: ${range.missing}.`);
    // The range's points are in the element's frame; the element's box maps them to the page.
    let shift = { x: 0, y: 0 };
    if (index !== undefined) {
      const element = await elementAt(context, index);
      const [box, frameRect] = await Promise.all([
        element.boundingBox(),
        element.evaluate((node) => {
          const rect = node.getBoundingClientRect();
          return { x: rect.left, y: rect.top };
        }),
      ]);
      if (!box) throw new ActionError(`${where} is not visible.`);
      shift = { x: box.x - frameRect.x, y: box.y - frameRect.y };
    }
    const mouse = context.taskContext.page.mouse;
    const drag = async () => {
      await mouse.move(range.start.x + shift.x, range.start.y + shift.y);
      await mouse.down();
      await mouse.move(range.end.x + shift.x, range.end.y + shift.y, { steps: 6 });
      await mouse.up();
    };
    await raceAbort(drag(), context.signal);
    let selected = await onTarget(context, index, selectedText, undefined);
    let how = '';
    if (selected.toLowerCase() !== range.text.toLowerCase()) {
      selected = await onTarget(context, index, selectTextDirectly, wanted);
      how = ' (the mouse could not select it here, so it was selected directly)';
    }
    await context.taskContext.waitForSettle({ signal: context.signal });
    if (selected.toLowerCase() !== range.text.toLowerCase()) {
      throw new ActionError(`Tried to select ${JSON.stringify(range.text)} in ${where}, but the selection is ${JSON.stringify(selected)}.`);
    }
    return `Selected ${JSON.stringify(selected)} in ${where}${how}.`;
  },
});
