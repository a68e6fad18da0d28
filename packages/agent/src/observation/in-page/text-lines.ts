import type { BlockPosition, SnapshotBlock } from '../frame-snapshot.js';
import { clip, collapse, maxTextLength } from './text-format.js';
import type { WalkContext } from './walk-context.js';

/**
 * The page text being gathered into the next text line: text nodes are appended until a block
 * boundary (or an element line) flushes them as one line into `blocks`.
 */
export class TextLines {
  /** Put before the next line flushed (a list item's `- `). */
  prefix = '';
  #text = '';
  #rect: DOMRect | null = null;
  #depth = 0;
  readonly #range = document.createRange();
  readonly #blocks: SnapshotBlock[];
  readonly #viewportHeight: number;

  constructor(blocks: SnapshotBlock[], viewportHeight: number) {
    this.#blocks = blocks;
    this.#viewportHeight = viewportHeight;
  }

  positionOf(rect: DOMRect | null): BlockPosition {
    if (!rect) return 'viewport';
    if (rect.bottom <= 0) return 'above';
    if (rect.top >= this.#viewportHeight) return 'below';
    return 'viewport';
  }

  flush(): void {
    const text = collapse(this.#text);
    if (text) {
      this.#blocks.push({ kind: 'text', depth: this.#depth, position: this.positionOf(this.#rect), text: clip(this.prefix + text, maxTextLength) });
      this.prefix = '';
    }
    this.#text = '';
    this.#rect = null;
  }

  appendText(node: Node, context: WalkContext): void {
    const text = node.textContent ?? '';
    if (!/\S/.test(text)) {
      if (this.#text) this.#text += ' ';
      return;
    }
    if (!this.#text.trim()) {
      // where the line starts decides whether it is in the viewport; a big parent box would not tell
      this.#range.selectNodeContents(node);
      const rect = this.#range.getBoundingClientRect();
      this.#rect = rect.width > 0 || rect.height > 0 ? rect : context.rect;
      this.#depth = context.depth;
    }
    this.#text += text;
  }

  /** A line of its own (a heading, a row, a notice), after the text gathered so far. */
  pushLine(text: string, rect: DOMRect, depth: number): void {
    this.flush();
    if (text) this.#blocks.push({ kind: 'text', depth, position: this.positionOf(rect), text: clip(text, maxTextLength) });
  }
}
