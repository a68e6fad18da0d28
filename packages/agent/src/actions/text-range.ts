/** Where a text's first and last characters sit inside an element, in the element's own viewport. */
export type TextRange = { start: { x: number; y: number }; end: { x: number; y: number }; text: string } | { missing: string };

/**
 * Runs in the element's frame (serialized, self-contained): finds `wanted` (or, without it, the
 * whole text) inside the element and returns points just inside its first and last characters,
 * scrolling it into view first.
 */
export function textRangeIn(element: Element, wanted: string | null): TextRange {
  const document = element.ownerDocument;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  let all = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push(node as Text);
    all += (node as Text).data;
  }
  const collapse = (text: string) => text.replace(/\s+/g, ' ');
  let startOffset: number;
  let endOffset: number;
  if (wanted === null) {
    startOffset = all.search(/\S/);
    endOffset = all.length - (all.length - all.trimEnd().length);
    if (startOffset < 0) return { missing: 'the element has no text' };
  } else {
    // Match with any run of whitespace standing for any other, as a person reads it.
    const pattern = new RegExp(wanted.trim().split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'), 'i');
    const match = pattern.exec(all);
    if (!match) return { missing: `the element does not contain ${JSON.stringify(wanted)}` };
    startOffset = match.index;
    endOffset = match.index + match[0].length;
  }
  const locate = (offset: number, preferEnd: boolean): { node: Text; offset: number } => {
    let seen = 0;
    for (const node of nodes) {
      const length = node.data.length;
      if (offset < seen + length || (preferEnd && offset === seen + length)) return { node, offset: offset - seen };
      seen += length;
    }
    const last = nodes[nodes.length - 1]!;
    return { node: last, offset: last.data.length };
  };
  const first = locate(startOffset, false);
  const last = locate(endOffset, true);
  const range = document.createRange();
  range.setStart(first.node, first.offset);
  range.setEnd(last.node, last.offset);
  (first.node.parentElement ?? element).scrollIntoView({ block: 'center', inline: 'nearest' });
  const rects = Array.from(range.getClientRects()).filter((rect) => rect.width > 0 && rect.height > 0);
  const head = rects[0];
  const tail = rects[rects.length - 1];
  if (!head || !tail) return { missing: 'the text is not laid out (hidden?)' };
  return {
    start: { x: head.left + 1, y: head.top + head.height / 2 },
    end: { x: tail.right - 1, y: tail.top + tail.height / 2 },
    text: collapse(range.toString()).trim(),
  };
}

/** What is selected in the element's document now (serialized, self-contained). */
export function selectedText(element: Element): string {
  return (element.ownerDocument.getSelection()?.toString() ?? '').replace(/\s+/g, ' ').trim();
}

/** Selects the range directly when a mouse drag could not (user-select: none, a draggable parent). */
export function selectTextDirectly(element: Element, wanted: string | null): string {
  const document = element.ownerDocument;
  const range = document.createRange();
  range.selectNodeContents(element);
  if (wanted !== null) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const lower = wanted.trim().toLowerCase();
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      const at = node.data.toLowerCase().indexOf(lower);
      if (at >= 0) {
        range.setStart(node, at);
        range.setEnd(node, at + lower.length);
        break;
      }
    }
  }
  const selection = document.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  document.dispatchEvent(new Event('selectionchange'));
  return (selection?.toString() ?? '').replace(/\s+/g, ' ').trim();
}
