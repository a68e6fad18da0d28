/**
 * How `type` reaches an element, decided in its frame by `prepareForTyping`:
 * - `text`: an input or textarea, focused with its text selected, so typed keys replace it;
 * - `contenteditable`: focused with its contents selected;
 * - `value`: a date/time/colour/range input whose value is set in its machine format;
 * - `keys`: not a text field but it takes keys (a terminal, a game): focused, typed into blind;
 * - `select`, `refused` (disabled, read-only), `fallback` (hidden or would not take focus yet:
 *   Playwright scrolls to it and waits, then it is prepared again).
 */
export type TypingTarget =
  | { kind: 'text'; tagName: 'input' | 'textarea'; maxLength: number; insertable: boolean }
  | { kind: 'contenteditable' }
  | { kind: 'value'; inputType: string }
  | { kind: 'keys' }
  | { kind: 'select' }
  | { kind: 'refused'; reason: string }
  | { kind: 'fallback'; reason: string };

/** Runs in the element's frame (serialized, self-contained). */
export function prepareForTyping(element: Element): TypingTarget {
  const textInputTypes = ['', 'text', 'email', 'password', 'search', 'tel', 'url', 'number'];
  const valueInputTypes = ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'];
  const tagName = element.tagName.toLowerCase();
  if (tagName === 'select') return { kind: 'select' };
  const view = element.ownerDocument.defaultView;
  if (!view) return { kind: 'fallback', reason: 'no window' };
  const visible = (target: Element) => target.getClientRects().length > 0 && view.getComputedStyle(target).visibility === 'visible';
  const focused = (target: Element) => (target.getRootNode() as Document | ShadowRoot).activeElement === target;
  if (element instanceof view.HTMLInputElement || element instanceof view.HTMLTextAreaElement) {
    const field = element;
    const type = field instanceof view.HTMLInputElement ? field.type.toLowerCase() : 'textarea';
    if (field.disabled || field.matches(':disabled')) return { kind: 'refused', reason: 'it is disabled' };
    if (field.readOnly) return { kind: 'refused', reason: 'it is read-only' };
    if (valueInputTypes.includes(type)) return { kind: 'value', inputType: type };
    if (type !== 'textarea' && !textInputTypes.includes(type)) return { kind: 'refused', reason: `it is an input of type ${type}` };
    if (!visible(field)) return { kind: 'fallback', reason: 'not visible' };
    field.focus();
    if (!focused(field)) return { kind: 'fallback', reason: 'it did not take focus' };
    field.select();
    // Text inserted at once leaves the value keys would, except where the browser filters keys (number) or a shadow root hides listeners.
    const insertable = type !== 'number' && !(field.getRootNode() instanceof view.ShadowRoot);
    return { kind: 'text', tagName: type === 'textarea' ? 'textarea' : 'input', maxLength: field.maxLength, insertable };
  }
  if (element instanceof view.HTMLElement && element.isContentEditable) {
    if (!visible(element)) return { kind: 'fallback', reason: 'not visible' };
    element.focus();
    const selection = view.getSelection();
    const range = element.ownerDocument.createRange();
    range.selectNodeContents(element);
    selection?.removeAllRanges();
    selection?.addRange(range);
    return { kind: 'contenteditable' };
  }
  if (!visible(element)) return { kind: 'fallback', reason: 'not visible' };
  return { kind: 'keys' };
}

/** What a text field holds now (serialized, self-contained); null for elements without a text value. */
export function readTypedText(element: Element): string | null {
  const view = element.ownerDocument.defaultView;
  if (!view) return null;
  if (element instanceof view.HTMLInputElement || element instanceof view.HTMLTextAreaElement) return element.value;
  if (element instanceof view.HTMLElement && element.isContentEditable) return element.innerText;
  return null;
}

/**
 * Sets a date/time/colour/range input's value as its picker would (serialized, self-contained):
 * through the native setter so frameworks that track the value see it, then input and change.
 * Returns the value the input kept (it clamps ranges and drops values it cannot parse).
 */
export function setFormattedValue(element: Element, value: string): { kept: string; min: string; max: string; step: string } {
  const input = element as HTMLInputElement;
  const view = element.ownerDocument.defaultView!;
  input.focus();
  const setter = Object.getOwnPropertyDescriptor(view.HTMLInputElement.prototype, 'value')?.set;
  if (setter) setter.call(input, value);
  else input.value = value;
  input.dispatchEvent(new view.Event('input', { bubbles: true, composed: true }));
  input.dispatchEvent(new view.Event('change', { bubbles: true }));
  return { kept: input.value, min: input.min, max: input.max, step: input.step };
}
