/**
 * Runs in the field's frame (self-contained, async): after typing into a combobox or
 * autocomplete, resolves once its suggestion list shows (a visible option, the element it
 * controls or owns filled and visible, or aria-expanded turning true), or after `timeoutMs`
 * when none comes. True when suggestions showed.
 */
export function waitForSuggestions(element: Element, timeoutMs: number): Promise<boolean | 'not a suggestion field'> {
  const role = element.getAttribute('role');
  const autocomplete = element.getAttribute('aria-autocomplete');
  const suggests = role === 'combobox' || (autocomplete !== null && autocomplete !== 'none') || element.getAttribute('aria-haspopup') === 'listbox';
  if (!suggests) return Promise.resolve('not a suggestion field');
  const document = element.ownerDocument;
  const visible = (target: Element | null): boolean => target !== null && target.getClientRects().length > 0 && getComputedStyle(target).visibility !== 'hidden';
  const shown = (): boolean => {
    for (const attribute of ['aria-controls', 'aria-owns']) {
      for (const id of (element.getAttribute(attribute) ?? '').split(/\s+/).filter(Boolean)) {
        const controlled = document.getElementById(id);
        if (controlled && visible(controlled) && controlled.children.length > 0) return true;
      }
    }
    return Array.from(document.querySelectorAll('[role="option"], [role="listbox"] li')).some((option) => visible(option));
  };
  if (shown()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (result: boolean) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(result);
    };
    const observer = new MutationObserver(() => {
      if (shown()) finish(true);
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden', 'style', 'class', 'aria-expanded'] });
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}

