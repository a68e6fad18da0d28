import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { evaluateOnElement } from '../observation/index.js';
import { defineAction } from './action.js';
import { describeElement } from './element-target.js';

/** Far beyond any form value; only a runaway text is cut, and the cut is said. */
const maximumValueCharacters = 100_000;

/**
 * The element's exact value (serialized, self-contained): a field's value with every space, a
 * select's chosen options, an editable element's text, else its text content.
 */
function exactValueOf(element: Element): { kind: string; value: string } {
  const view = element.ownerDocument.defaultView;
  if (view && (element instanceof view.HTMLInputElement || element instanceof view.HTMLTextAreaElement)) {
    const kind = element instanceof view.HTMLInputElement ? `input type=${element.type}` : 'textarea';
    if (element instanceof view.HTMLInputElement && (element.type === 'checkbox' || element.type === 'radio')) {
      return { kind, value: element.checked ? 'checked' : 'not checked' };
    }
    return { kind, value: element.value };
  }
  if (view && element instanceof view.HTMLSelectElement) {
    return { kind: 'select', value: Array.from(element.selectedOptions, (option) => option.label || option.text).join('\n') };
  }
  if (view && element instanceof view.HTMLElement && element.isContentEditable) return { kind: 'contenteditable', value: element.innerText };
  return { kind: element.tagName.toLowerCase(), value: element.textContent ?? '' };
}

export const readValueAction = defineAction({
  name: 'read_value',
  description:
    'Return the exact, full value of element `index` (every character, leading and trailing spaces included, never shortened): use it when the page view cuts a long value or you must copy a value exactly.',
  inputSchema: z.object({ index: z.number().int().min(1) }),
  keepsElementList: () => true,
  async handler({ index }, context) {
    const { kind, value } = await raceAbort(evaluateOnElement(context.taskContext.page, context.observation, index, exactValueOf, undefined), context.signal);
    const shown = value.length > maximumValueCharacters ? value.slice(0, maximumValueCharacters) : value;
    const cut = value.length > maximumValueCharacters ? ` [first ${maximumValueCharacters} of ${value.length} characters]` : '';
    return `${describeElement(context, index)} (${kind}) holds ${value.length} characters, exactly (JSON string): ${JSON.stringify(shown)}${cut}`;
  },
});
