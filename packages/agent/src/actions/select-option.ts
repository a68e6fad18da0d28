import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';
import { actionTimeoutMs, describeElement, elementAt } from './element-target.js';

export const selectOptionAction = defineAction({
  name: 'select_option',
  description: 'Choose an option of a <select> by its visible label (or value).',
  inputSchema: z.object({ index: z.number().int().min(1), option: z.string() }),
  // Fields it reveals show in the next step's view; the batch's other indices still resolve.
  keepsElementList: () => true,
  async handler({ index, option }, context) {
    const element = await elementAt(context, index);
    const labels = await element.evaluate((node) =>
      node instanceof HTMLSelectElement ? Array.from(node.options, (item) => item.label || item.text) : null,
    );
    if (!labels) throw new ActionError(`[${index}] is not a <select>; click it to open a custom dropdown instead.`);
    const wanted = labels.find((label) => label.trim().toLowerCase() === option.trim().toLowerCase());
    const chosen = await raceAbort(
      element.selectOption(wanted !== undefined ? { label: wanted } : { value: option }, { timeout: actionTimeoutMs }),
      context.signal,
    ).catch(() => {
      throw new ActionError(`No option ${JSON.stringify(option)} in ${describeElement(context, index)}. Options: ${labels.join(', ')}`);
    });
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Selected ${JSON.stringify(wanted ?? chosen[0] ?? option)} in ${describeElement(context, index)}.`;
  },
});
