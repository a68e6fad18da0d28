import { collapse } from './text-format.js';

// The DOM as the walk sees it: flattened through open shadow roots and slots.

export function parentOf(element: Element): Element | null {
  if (element.parentElement) return element.parentElement;
  const parent = element.parentNode;
  return parent instanceof ShadowRoot ? parent.host : null;
}

/** The children the walk visits: a slot's assigned nodes, a shadow host's shadow tree, a closed details' summary. */
export function childNodesOf(element: Element): Node[] {
  if (element instanceof HTMLSlotElement) {
    const assigned = element.assignedNodes({ flatten: true });
    if (assigned.length > 0) return assigned;
  }
  if (element.shadowRoot) return Array.from(element.shadowRoot.childNodes);
  if (element instanceof HTMLDetailsElement && !element.open) {
    return Array.from(element.children).filter((child) => child.localName === 'summary');
  }
  return Array.from(element.childNodes);
}

export function safeMatches(element: Element, selector: string): boolean {
  try {
    return element.matches(selector);
  } catch {
    return false;
  }
}

export function labelsOf(element: Element): HTMLLabelElement[] {
  return 'labels' in element && element.labels ? Array.from(element.labels as NodeListOf<HTMLLabelElement>) : [];
}

export function isFormControl(element: Element): boolean {
  return ['input', 'select', 'textarea'].includes(element.localName);
}

export function renderedText(element: Element): string {
  return collapse(element instanceof HTMLElement ? element.innerText : (element.textContent ?? ''));
}
