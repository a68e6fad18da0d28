/** What the walk passes down from an element to its children. */
export interface WalkContext {
  depth: number;
  /** Emit text nodes as page text (false inside elements whose text became their name). */
  emitText: boolean;
  visible: boolean;
  insideInteractive: boolean;
  parentPointer: boolean;
  rect: DOMRect | null;
  /** The nearest hover trigger whose first interactive descendant should say `hover-menu`. */
  hoverMenu: { pending: boolean } | null;
  /** Inside an element whose click (etc.) listener serves its items (event delegation). */
  delegated: boolean;
}
