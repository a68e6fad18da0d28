import { labelsOf, parentOf } from './dom-tree.js';

/** The frame's viewport size (its window's inner size), read once per snapshot. */
export interface Viewport {
  width: number;
  height: number;
}

/** The element's box, or the first child box that shows when the element itself measures empty. */
export function visibleRect(element: Element): DOMRect {
  const rect = element.getBoundingClientRect();
  if (rect.width > 0 && rect.height > 0) return rect;
  // An inline wrapper of block content can measure empty while its children show.
  for (const child of Array.from(element.children)) {
    const childRect = child.getBoundingClientRect();
    if (childRect.width > 0 && childRect.height > 0) return childRect;
  }
  return rect;
}

/**
 * Hit-tests the element's visible centre (and a few inner points): `covered` when something
 * else is painted on top, `behind-ancestor` when only an ancestor answers (the element is
 * clipped by a scroll container, or ignores the pointer).
 */
export function hitTest(element: Element, rect: DOMRect, viewport: Viewport): 'visible' | 'covered' | 'behind-ancestor' {
  const left = Math.max(rect.left, 0);
  const right = Math.min(rect.right, viewport.width);
  const top = Math.max(rect.top, 0);
  const bottom = Math.min(rect.bottom, viewport.height);
  if (left >= right || top >= bottom) return 'visible';
  const root = element.getRootNode() as Document | ShadowRoot;
  const probe = typeof root.elementFromPoint === 'function' ? root : document;
  const labels = labelsOf(element);
  const points: Array<[number, number]> = [
    [(left + right) / 2, (top + bottom) / 2],
    [left + (right - left) / 4, top + (bottom - top) / 4],
    [right - (right - left) / 4, bottom - (bottom - top) / 4],
  ];
  let result: 'covered' | 'behind-ancestor' = 'covered';
  for (const [x, y] of points) {
    const hit = probe.elementFromPoint(x, y);
    if (!hit || hit === element || element.contains(hit)) return 'visible';
    if (labels.some((label) => label === hit || label.contains(hit))) return 'visible';
    if (hit.contains(element)) result = 'behind-ancestor';
  }
  return result;
}

/** For an element hit-tested as covered: is it just scrolled out of a scroll container? */
export function clippedBy(element: Element, rect: DOMRect): 'scroll' | 'hidden' | null {
  const x = (rect.left + rect.right) / 2;
  const y = (rect.top + rect.bottom) / 2;
  for (let ancestor = parentOf(element); ancestor && ancestor !== document.documentElement && ancestor !== document.body; ancestor = parentOf(ancestor)) {
    const style = getComputedStyle(ancestor);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const box = ancestor.getBoundingClientRect();
    if (x < box.left || x > box.right || y < box.top || y > box.bottom) {
      return /auto|scroll/.test(style.overflowX + style.overflowY) ? 'scroll' : 'hidden';
    }
  }
  return null;
}
