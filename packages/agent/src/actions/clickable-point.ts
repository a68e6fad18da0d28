/** A point in the top-level viewport where a mouse click lands on the element, or why there is none. */
export type ClickablePoint = { x: number; y: number } | { fallback: string };

/**
 * Runs in the element's frame (serialized, self-contained). Hit-tests the element's centre in its
 * own document and, up a chain of same-origin frames, its iframe in every parent: when each hit
 * lands on the element (or inside it) the click can go to those coordinates at once, without
 * Playwright's wait for a stable position. Anything unusual (disabled, outside the viewport,
 * cross-origin parent, zoomed viewport, covered, transformed iframe) asks for the careful path.
 */
export function clickablePoint(element: Element): ClickablePoint {
  if (element.matches(':disabled') || element.closest('[aria-disabled="true"]')) return { fallback: 'disabled' };
  const owners: Element[] = [];
  let view: Window = window;
  while (view !== view.top) {
    let owner: Element | null = null;
    try {
      owner = view.frameElement;
    } catch {
      owner = null;
    }
    if (!owner) return { fallback: 'inside a cross-origin frame' };
    owners.push(owner);
    view = view.parent;
  }
  const viewport = view.visualViewport;
  if (viewport && (Math.abs(viewport.scale - 1) > 0.001 || viewport.offsetLeft !== 0 || viewport.offsetTop !== 0)) {
    return { fallback: 'the viewport is zoomed' };
  }

  function containsComposed(ancestor: Element, node: Node | null): boolean {
    for (let current = node; current; current = current.parentNode ?? (current as unknown as { host?: Node }).host ?? null) {
      if (current === ancestor) return true;
    }
    return false;
  }

  function deepElementFromPoint(document: Document, x: number, y: number): Element | null {
    let hit = document.elementFromPoint(x, y);
    while (hit?.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  }

  function inside(x: number, y: number, width: number, height: number): boolean {
    return x >= 0 && y >= 0 && x < width && y < height;
  }

  /** The point in the top viewport, 'out' when some level has it outside its viewport, or a reason to fall back. */
  function locate(): { x: number; y: number } | 'out' | string {
    const ownView = element.ownerDocument.defaultView;
    if (!ownView) return 'no window';
    const box = Array.from(element.getClientRects()).find((rect) => rect.width > 0 && rect.height > 0);
    if (!box) return 'the element has no box';
    const left = Math.max(box.left, 0);
    const right = Math.min(box.right, ownView.innerWidth);
    const top = Math.max(box.top, 0);
    const bottom = Math.min(box.bottom, ownView.innerHeight);
    if (right - left < 1 || bottom - top < 1) return 'out';
    let x = (left + right) / 2;
    let y = (top + bottom) / 2;
    if (!containsComposed(element, deepElementFromPoint(element.ownerDocument, x, y))) return 'another element is on top';
    for (const owner of owners) {
      const ownerView = owner.ownerDocument.defaultView;
      if (!ownerView || !(owner instanceof ownerView.HTMLElement)) return 'no window';
      const rect = owner.getBoundingClientRect();
      if (Math.abs(rect.width - owner.offsetWidth) > 1 || Math.abs(rect.height - owner.offsetHeight) > 1) return 'the frame is transformed';
      const style = ownerView.getComputedStyle(owner);
      x += rect.left + owner.clientLeft + parseFloat(style.paddingLeft || '0');
      y += rect.top + owner.clientTop + parseFloat(style.paddingTop || '0');
      if (!inside(x, y, ownerView.innerWidth, ownerView.innerHeight)) return 'out';
      if (deepElementFromPoint(owner.ownerDocument, x, y) !== owner) return 'another element is on top of its frame';
    }
    return { x, y };
  }

  const point = locate();
  // Scrolling runs the page's scroll handlers (sticky headers, lazy content) afterwards: the
  // careful path scrolls, waits for the element to be stable and hit-tests at the click.
  if (point === 'out') return { fallback: 'it is outside the viewport' };
  if (typeof point === 'string') return { fallback: point };
  return point;
}
