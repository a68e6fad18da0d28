import type { SnapshotBlock } from '../frame-snapshot.js';
import { renderedText } from './dom-tree.js';
import { clip, collapse, maxCellLength } from './text-format.js';

// A table row is one line of cells; its controls are listed below it.

export function isRow(element: Element, display: string): boolean {
  return element.localName === 'tr' || display === 'table-row' || element.getAttribute('role') === 'row';
}

/** The texts of the row's cells. */
export function rowCells(row: Element): string[] {
  if (row instanceof HTMLTableRowElement) {
    // one innerText per row (cells come tab-separated) is much cheaper than one per cell
    return row.innerText.split('\t').map((text) => clip(collapse(text), maxCellLength));
  }
  const cells = Array.from(row.children).filter((cell) => {
    const display = getComputedStyle(cell).display;
    return display !== 'none' && (cell.localName === 'td' || cell.localName === 'th' || display === 'table-cell' || /cell|header/.test(cell.getAttribute('role') ?? ''));
  });
  return cells.map((cell) => clip(renderedText(cell), maxCellLength));
}

/** Whether every filled cell is only the short name of a control listed inside the row. */
export function cellsAreControls(cells: string[], inside: SnapshotBlock[]): boolean {
  const filled = cells.filter((text) => text);
  if (filled.length === 0 || filled.some((text) => text.length > 4)) return false;
  const names = inside.flatMap((block) => (block.kind === 'element' ? [block.name] : []));
  for (const text of filled) {
    const at = names.indexOf(text);
    if (at < 0) return false;
    names.splice(at, 1);
  }
  return true;
}
