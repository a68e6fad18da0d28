import type { SnapshotBlock } from '../frame-snapshot.js';
import { accessibleName } from './accessible-name.js';
import { childNodesOf, labelsOf, renderedText } from './dom-tree.js';
import { attributesOf } from './element-state.js';
import { collectHoverTriggerSelector, isHoverTrigger } from './hover-triggers.js';
import { interactivityOf, soleInnerControl, type Interactivity } from './interactivity.js';
import { pixelsLine, scrollAreaLine } from './pixel-and-scroll-lines.js';
import { headingLevel, implicitRole, isStrongInteractive, strongSelector } from './roles.js';
import { cellsAreControls, isRow, rowCells } from './rows.js';
import { clip, collapse, maxNameLength, maxTextLength } from './text-format.js';
import { TextLines } from './text-lines.js';
import { clippedBy, hitTest, visibleRect, type Viewport } from './visibility.js';
import type { WalkContext } from './walk-context.js';

const skippedTags = new Set(['script', 'style', 'noscript', 'template', 'head', 'meta', 'link', 'title', 'option', 'datalist', 'object', 'embed']);

export interface FrameWalkInput {
  /** The iframe elements of the frame's child frames, in the order the caller knows them. */
  owners: Element[];
  /** Elements with a click, mouse, pointer or key listener, found through CDP (see collect-page-blocks). */
  listenerElements: Set<Element>;
  viewport: Viewport;
  /** The scrollable width of the document, at least the viewport's. */
  documentWidth: number;
}

export interface WalkedFrame {
  blocks: SnapshotBlock[];
  /** The listed elements, by their blocks' `localIndex`. */
  elements: Element[];
}

/** Walks this frame's document from its body: its text lines, interactive elements and iframes, in document order. */
export function walkFrame(input: FrameWalkInput): WalkedFrame {
  const walker = new FrameWalker(input);
  const root = document.body ?? document.documentElement;
  return walker.run(root);
}

class FrameWalker {
  readonly #blocks: SnapshotBlock[] = [];
  readonly #elements: Element[] = [];
  /** Controls listed as part of the item around them (see soleInnerControl). */
  readonly #mergedControls = new Set<Element>();
  readonly #owners: Element[];
  readonly #viewport: Viewport;
  readonly #documentWidth: number;
  readonly #interactivity: Interactivity;
  readonly #hoverTriggerSelector: string;
  // an open modal dialog makes the rest of the document inert (without an `inert` attribute)
  readonly #modalDialog: Element | null;
  readonly #lines: TextLines;

  constructor(input: FrameWalkInput) {
    this.#owners = input.owners;
    this.#viewport = input.viewport;
    this.#documentWidth = input.documentWidth;
    this.#interactivity = interactivityOf(input.listenerElements);
    this.#hoverTriggerSelector = collectHoverTriggerSelector();
    this.#modalDialog = (() => {
      try {
        return document.querySelector('dialog:modal');
      } catch {
        return null;
      }
    })();
    this.#lines = new TextLines(this.#blocks, input.viewport.height);
  }

  run(root: Element): WalkedFrame {
    this.#walk(root, {
      depth: 0,
      emitText: true,
      visible: true,
      insideInteractive: false,
      parentPointer: false,
      rect: root.getBoundingClientRect(),
      hoverMenu: null,
      delegated: false,
    });
    this.#lines.flush();
    return { blocks: this.#blocks, elements: this.#elements };
  }

  /** Lists one element with its role, name and state; `target` is what an action reaches (a hidden checkbox's label, a tab's inner link). */
  #emitElement(element: Element, target: Element, rect: DOMRect | null, context: WalkContext, extra: string[], weak: boolean): string {
    this.#lines.flush();
    const role = implicitRole(element, weak);
    const name = clip(accessibleName(element, role), maxNameLength);
    const attributes = attributesOf(element, role, name);
    if (context.hoverMenu?.pending) {
      context.hoverMenu.pending = false;
      attributes.push('hover-menu');
    }
    for (const attribute of extra) if (!attributes.includes(attribute)) attributes.push(attribute);
    const localIndex = this.#elements.push(target) - 1;
    this.#blocks.push({
      kind: 'element',
      depth: context.depth,
      position: this.#lines.positionOf(rect),
      localIndex,
      role,
      name,
      attributes,
      tagName: element.localName,
      ...(element instanceof HTMLInputElement ? { inputType: element.type } : {}),
    });
    return name;
  }

  /** Hidden checkboxes, radios and file inputs styled through their label stay usable via the label. */
  #emitHiddenControl(element: Element, context: WalkContext): void {
    if (!(element instanceof HTMLInputElement) || context.insideInteractive) return;
    const visibleLabel = labelsOf(element).find((label) => label.getClientRects().length > 0);
    if (element.type === 'file') {
      this.#emitElement(element, element, visibleLabel?.getBoundingClientRect() ?? context.rect, context, visibleLabel ? [] : ['hidden'], false);
    } else if ((element.type === 'checkbox' || element.type === 'radio') && visibleLabel) {
      this.#emitElement(element, visibleLabel, visibleLabel.getBoundingClientRect(), context, [], false);
    }
  }

  /** An iframe's place: its child frame's blocks go here (see collect-page-blocks). */
  #emitFrame(element: Element, rect: DOMRect, depth: number): void {
    this.#lines.flush();
    // A frame Chromium does not list (not loaded yet, or in another renderer) has no owner here.
    const ownerIndex = this.#owners.indexOf(element);
    if (ownerIndex < 0) return;
    const source = (element as HTMLIFrameElement).src;
    let title = element.getAttribute('title') ?? element.getAttribute('name') ?? '';
    if (!title && source) {
      try {
        title = new URL(source).host;
      } catch {
        title = '';
      }
    }
    this.#blocks.push({ kind: 'frame', depth, position: this.#lines.positionOf(rect), ownerIndex, title: collapse(title) });
  }

  /**
   * Lists an interactive element (or hover trigger) that shows and walks its content, and says
   * so; false when the walk goes on as for any element (a hidden or covered control, a hover
   * trigger whose first control inside gets the mark).
   */
  #walkInteractive(element: Element, context: WalkContext, childContext: WalkContext, kind: { strong: boolean; weak: boolean; hoverTrigger: boolean }, block: boolean): boolean {
    const { strong, weak, hoverTrigger } = kind;
    const tag = element.localName;
    const box = visibleRect(element);
    let position = box;
    let shown = box.width > 0 && box.height > 0;
    const hit = shown ? hitTest(element, box, this.#viewport) : 'visible';
    if (hit !== 'visible') {
      const clipped = clippedBy(element, box);
      // scrolled out of a scroll container: list it with what is below the fold
      if (clipped === 'scroll') position = new DOMRect(box.x, this.#viewport.height, box.width, box.height);
      else if (clipped === 'hidden' || hit === 'covered') shown = false;
    }
    if (!shown && strong) {
      // a hidden or covered control's label is not readable page text either
      childContext.emitText = false;
    }
    if (!shown && tag === 'input') {
      this.#emitHiddenControl(element, context);
    } else if (shown && (strong || weak || !childContext.hoverMenu)) {
      // A tab (menu item, option…) whose one control inside is a link or button of the same
      // name is one control: listed once, as the tab with its state, clicked on the inner control.
      const inner = strong ? soleInnerControl(element) : null;
      if (inner) this.#mergedControls.add(inner);
      const name = this.#emitElement(element, inner ?? element, position, context, hoverTrigger && !childContext.hoverMenu ? ['hover-menu'] : [], weak || hoverTrigger);
      // Form controls have no readable children; others keep their text only when the name had to be cut.
      if (['select', 'textarea', 'input'].includes(tag)) return true;
      // A clickable card with its own star or menu inside: those stay elements of their own.
      childContext.insideInteractive = strong || !this.#interactivity.hasSeparateTargets(element);
      childContext.hoverMenu = null;
      const fullText = name.endsWith('…');
      childContext.emitText = context.emitText && fullText;
      this.#walkChildren(element, childContext);
      if (block) this.#lines.flush();
      return true;
    }
    return false;
  }

  /** A table row as one line of its cells, its controls listed below it. */
  #walkRow(element: Element, rect: DOMRect, visible: boolean, context: WalkContext, childContext: WalkContext): void {
    const cells = visible ? rowCells(element) : [];
    this.#lines.pushLine(cells.some((text) => text) ? `| ${cells.join(' | ')} |` : '', rect, context.depth);
    const rowLine = this.#blocks.length - 1;
    const firstInside = this.#blocks.length;
    this.#walkChildren(element, { ...childContext, emitText: false, depth: context.depth + 1 });
    // A row whose every filled cell is a short name of a control listed inside it (a calendar
    // week, a row of page numbers) would only say again what those lines say: it is left out.
    // Rows of longer texts keep their line, which groups their controls into rows.
    if (firstInside > rowLine && rowLine >= 0 && cellsAreControls(cells, this.#blocks.slice(firstInside))) {
      this.#blocks.splice(rowLine, 1);
      for (const inside of this.#blocks.slice(rowLine)) inside.depth = Math.max(context.depth, inside.depth - 1);
    }
  }

  #walkChildren(element: Element, context: WalkContext): void {
    for (const child of childNodesOf(element)) this.#walk(child, context);
  }

  /** One node and what is under it: skipped, text, a line of its own, a listed element, or a container walked through. */
  #walk(node: Node, context: WalkContext): void {
    if (node.nodeType === Node.TEXT_NODE) {
      if (context.emitText && context.visible) this.#lines.appendText(node, context);
      return;
    }
    if (!(node instanceof Element)) return;
    const element = node;
    const tag = element.localName;
    if (skippedTags.has(tag)) return;
    if (element.getAttribute('aria-hidden') === 'true' || element.hasAttribute('inert')) return;
    if (this.#modalDialog && !element.contains(this.#modalDialog) && !this.#modalDialog.contains(element)) return;
    const style = getComputedStyle(element);
    // computed-style getters are costly: read each property once
    const display = style.display;
    if (display === 'none') {
      if (tag === 'input') this.#emitHiddenControl(element, context);
      return;
    }
    if (display === 'contents') {
      this.#walkChildren(element, context);
      return;
    }
    if (tag === 'br') {
      this.#lines.flush();
      return;
    }
    const visible = style.visibility === 'visible';
    const rect = element.getBoundingClientRect();
    const tiny = rect.width <= 1 && rect.height <= 1;
    const clipsOverflow = style.overflowX !== 'visible' || style.overflowY !== 'visible';
    // A box collapsed to no height or width that clips its overflow (a closed accordion panel) shows nothing of its content.
    const collapsedBox = (rect.width <= 1 || rect.height <= 1) && clipsOverflow;
    if (collapsedBox || (tiny && (style.clip !== 'auto' || style.clipPath !== 'none'))) {
      // visually hidden (screen-reader-only) content
      if (tag === 'input') this.#emitHiddenControl(element, context);
      return;
    }
    // off-canvas to the left/top (not reachable by scrolling) or right of a page that cannot scroll sideways
    if (rect.width > 0 && rect.height > 0 && (rect.right + window.scrollX <= 0 || rect.bottom + window.scrollY <= 0 || rect.left + window.scrollX >= this.#documentWidth)) return;
    const block = /^(block|flex|grid|list-item|table|flow-root)/.test(display);
    if (block) this.#lines.flush();

    if (visible && context.emitText && (tag === 'canvas' || tag === 'img') && rect.width > 0) {
      const line = pixelsLine(element, rect);
      if (line) this.#lines.pushLine(line, rect, context.depth);
      if (tag === 'canvas') return;
    }
    if (visible && context.emitText && block && /auto|scroll/.test(style.overflowY) && element !== document.body && element !== document.documentElement) {
      const line = scrollAreaLine(element);
      if (line) this.#lines.pushLine(line, rect, context.depth);
    }

    if (tag === 'iframe' || tag === 'frame') {
      if (visible && rect.width > 0 && rect.height > 0) this.#emitFrame(element, rect, context.depth);
      return;
    }

    const pointer = style.cursor === 'pointer';
    const childContext: WalkContext = { ...context, visible, rect, parentPointer: pointer };
    if (this.#interactivity.hasListener(element) && element !== document.body) childContext.delegated = true;
    const strong = isStrongInteractive(element) && !this.#mergedControls.has(element);
    const hoverTrigger = !context.insideInteractive && isHoverTrigger(element, this.#hoverTriggerSelector);
    const weak = !strong && this.#interactivity.isWeakInteractive(element, pointer, context);
    if (hoverTrigger && !strong && !weak && element.querySelector(strongSelector)) {
      childContext.hoverMenu = { pending: true };
    }
    if (visible && (strong || weak || hoverTrigger) && this.#walkInteractive(element, context, childContext, { strong, weak, hoverTrigger }, block)) return;

    const level = headingLevel(element);
    if (level > 0 && context.emitText) {
      this.#lines.pushLine(visible ? `${'#'.repeat(level)} ${clip(renderedText(element), maxTextLength)}` : '', rect, context.depth);
      this.#walkChildren(element, { ...childContext, emitText: false, depth: context.depth + 1 });
      return;
    }
    if (context.emitText && isRow(element, display)) {
      this.#walkRow(element, rect, visible, context, childContext);
      return;
    }
    if (element instanceof HTMLLabelElement && element.control) childContext.emitText = false;
    const listItem = display === 'list-item' && context.emitText;
    if (listItem) this.#lines.prefix = '- ';
    this.#walkChildren(element, childContext);
    if (block) this.#lines.flush();
    if (listItem) this.#lines.prefix = '';
  }
}
