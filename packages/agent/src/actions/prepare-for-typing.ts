/** `ready`: the element is focused with its text selected, so inserted text replaces it. */
export type TypingPreparation = 'ready' | 'select' | { fallback: string };

/**
 * Runs in the element's frame (serialized, self-contained): what Playwright's fill does before it
 * inserts text (visible, enabled, editable; select the old text; focus), for plain text inputs and
 * textareas. Other kinds (number, date, contenteditable…) go through Playwright's fill.
 */
export function prepareForTyping(element: Element): TypingPreparation {
  const textInputTypes = ['', 'text', 'email', 'password', 'search', 'tel', 'url'];
  const tagName = element.tagName.toLowerCase();
  if (tagName === 'select') return 'select';
  const view = element.ownerDocument.defaultView;
  if (!view) return { fallback: 'no window' };
  let field: HTMLInputElement | HTMLTextAreaElement;
  if (element instanceof view.HTMLInputElement) {
    if (!textInputTypes.includes(element.type.toLowerCase())) return { fallback: `an input of type ${element.type}` };
    field = element;
  } else if (element instanceof view.HTMLTextAreaElement) {
    field = element;
  } else {
    return { fallback: `a <${tagName}>` };
  }
  if (field.disabled || field.matches(':disabled') || field.readOnly) return { fallback: 'not editable' };
  if (field.getClientRects().length === 0 || view.getComputedStyle(field).visibility !== 'visible') return { fallback: 'not visible' };
  field.select();
  field.focus();
  const root = field.getRootNode() as Document | ShadowRoot;
  if (root.activeElement !== field) return { fallback: 'it did not take focus' };
  return 'ready';
}
