const interactiveRoles = new Set([
  'button', 'link', 'checkbox', 'radio', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option',
  'switch', 'combobox', 'textbox', 'searchbox', 'slider', 'spinbutton', 'treeitem', 'gridcell',
]);

/** Elements that are controls by themselves (native controls, editable content, interactive roles). */
export const strongSelector =
  'a[href],area[href],button,input:not([type=hidden]),select,textarea,summary,[contenteditable=""],[contenteditable=true],' +
  '[draggable=true],' +
  [...interactiveRoles].map((role) => `[role=${role}]`).join(',');

/** The role the element is listed with (`clickable` for a weak control without one). */
export function implicitRole(element: Element, weak: boolean): string {
  const explicit = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0];
  if (explicit && explicit !== 'presentation' && explicit !== 'none' && explicit !== 'generic') return explicit;
  const tag = element.localName;
  if ((tag === 'a' || tag === 'area') && element.hasAttribute('href')) return 'link';
  if (tag === 'button' || tag === 'summary') return 'button';
  if (tag === 'textarea') return 'textbox';
  if (tag === 'select') {
    const select = element as HTMLSelectElement;
    return select.multiple || select.size > 1 ? 'listbox' : 'combobox';
  }
  if (element instanceof HTMLInputElement) {
    switch (element.type) {
      case 'checkbox':
        return 'checkbox';
      case 'radio':
        return 'radio';
      case 'range':
        return 'slider';
      case 'number':
        return 'spinbutton';
      case 'search':
        return 'searchbox';
      case 'button':
      case 'submit':
      case 'reset':
      case 'image':
      case 'file':
        return 'button';
      default:
        return 'textbox';
    }
  }
  if (element instanceof HTMLElement && element.isContentEditable) return 'textbox';
  if (tag === 'a' && weak) return 'link';
  if (tag === 'img') return 'img';
  if (tag === 'li') return 'listitem';
  if (/^h[1-6]$/.test(tag)) return 'heading';
  return weak ? 'clickable' : 'generic';
}

/** Whether the element is a control by itself: a native control, editable, draggable or of an interactive role. */
export function isStrongInteractive(element: Element): boolean {
  const tag = element.localName;
  if ((tag === 'a' || tag === 'area') && element.hasAttribute('href')) return true;
  if (tag === 'button' || tag === 'select' || tag === 'textarea') return true;
  if (tag === 'input') return (element as HTMLInputElement).type !== 'hidden';
  if (tag === 'summary') return element.parentElement instanceof HTMLDetailsElement;
  const editable = element.getAttribute('contenteditable');
  if (editable !== null && editable !== 'false') return true;
  if (element.getAttribute('draggable') === 'true') return true;
  const role = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0] ?? '';
  return interactiveRoles.has(role);
}

/** 1-6 for a heading (`h1`-`h6` or role=heading with aria-level), else 0. */
export function headingLevel(element: Element): number {
  const match = /^h([1-6])$/.exec(element.localName);
  if (match) return Number(match[1]);
  if (element.getAttribute('role') === 'heading') return Number(element.getAttribute('aria-level') ?? 2) || 2;
  return 0;
}
