import { accessibleName, iconName } from './accessible-name.js';
import { implicitRole, isStrongInteractive, strongSelector } from './roles.js';
import { collapse } from './text-format.js';
import type { WalkContext } from './walk-context.js';

/** What decides, beyond native controls and roles, whether an element is something a person acts on. */
export interface Interactivity {
  hasListener(element: Element): boolean;
  servesItems(element: Element): boolean;
  hasSeparateTargets(element: Element): boolean;
  isWeakInteractive(element: Element, pointer: boolean, context: WalkContext): boolean;
}

/**
 * The listener-based tests over `listenerTargets`: the elements with a click, mouse, pointer or
 * key listener, found through CDP (see collect-page-blocks).
 */
export function interactivityOf(listenerTargets: Set<Element>): Interactivity {
  function hasListener(element: Element): boolean {
    return element !== document.documentElement && element !== document.body && listenerTargets.has(element);
  }

  /** Whether a listener on `element` serves items inside it (so the items are listed, not the container). */
  function servesItems(element: Element): boolean {
    const descendants = element.getElementsByTagName('*');
    for (let position = 0; position < descendants.length && position < 400; position += 1) {
      const descendant = descendants[position] as Element;
      if (hasListener(descendant) || isStrongInteractive(descendant) || hasActionData(descendant)) return true;
    }
    return false;
  }

  /** Whether something inside `element` can be acted on by itself (then it is listed on its own, never merged into `element`). */
  function hasSeparateTargets(element: Element): boolean {
    if (element.querySelector(strongSelector)) return true;
    const descendants = element.getElementsByTagName('*');
    for (let position = 0; position < descendants.length && position < 400; position += 1) {
      if (hasListener(descendants[position] as Element)) return true;
    }
    return false;
  }

  function isWeakInteractive(element: Element, pointer: boolean, context: WalkContext): boolean {
    if (context.insideInteractive) return false;
    if (element instanceof HTMLLabelElement && element.control) return false;
    if (element === document.body || element === document.documentElement) return false;
    if (element.hasAttribute('onclick')) return true;
    const tabIndex = element.getAttribute('tabindex');
    if (tabIndex !== null && Number(tabIndex) >= 0) return true;
    if (hasListener(element) && !servesItems(element)) return true;
    if (context.delegated && isDelegatedItem(element)) return true;
    if (pointer && !context.parentPointer) return !element.querySelector(strongSelector);
    return false;
  }

  return { hasListener, servesItems, hasSeparateTargets, isWeakInteractive };
}

function hasActionData(element: Element): boolean {
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.name.startsWith('data-') && !/^data-(testid|test|qa|cy)$/.test(attribute.name)) return true;
  }
  return false;
}

function isIconOnly(element: Element): boolean {
  return !collapse(element.textContent ?? '') && (element.matches('svg, img, i') || element.querySelector('svg, img, i') !== null || iconName(element) !== '');
}

/**
 * An item a delegated handler dispatches on (the handler sits on an ancestor and reads
 * `event.target.closest(...)`): it carries data attributes or is an icon, and holds no such item itself.
 */
function isDelegatedItem(element: Element): boolean {
  if (!hasActionData(element) && !isIconOnly(element)) return false;
  const descendants = element.getElementsByTagName('*');
  for (let position = 0; position < descendants.length && position < 60; position += 1) {
    const descendant = descendants[position] as Element;
    if (hasActionData(descendant) && !isIconOnly(element)) return false;
  }
  return true;
}

/** Roles of an item in a composite widget, which pages often build around a link or button. */
const itemRoles = new Set(['tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem']);

/**
 * The one link or button inside a composite widget's item that has the item's own name (a tab
 * built around a link): the item is then one control, clicked on this inner one.
 */
export function soleInnerControl(element: Element): Element | null {
  const role = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0] ?? '';
  if (!itemRoles.has(role)) return null;
  const inside = element.querySelectorAll(strongSelector);
  if (inside.length !== 1) return null;
  const inner = inside[0] as Element;
  const innerRole = implicitRole(inner, false);
  if (innerRole !== 'link' && innerRole !== 'button') return null;
  const name = accessibleName(element, role);
  return name !== '' && accessibleName(inner, innerRole) === name ? inner : null;
}
