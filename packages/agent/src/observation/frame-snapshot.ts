/** Where a block sits relative to the top-level viewport. */
export type BlockPosition = 'above' | 'viewport' | 'below';

export interface SnapshotTextBlock {
  kind: 'text';
  depth: number;
  position: BlockPosition;
  text: string;
}

export interface SnapshotElementBlock {
  kind: 'element';
  depth: number;
  position: BlockPosition;
  /** Index into this frame's generation of element references. */
  localIndex: number;
  role: string;
  name: string;
  /** Terse rendered attributes, e.g. `value="x"`, `checked`, `href=/a`. */
  attributes: string[];
  tagName: string;
  inputType?: string;
}

/** An iframe of this frame; `frameIndex` indexes this generation's iframe list. */
export interface SnapshotFrameBlock {
  kind: 'frame';
  depth: number;
  position: BlockPosition;
  frameIndex: number;
  title: string;
}

export type SnapshotBlock = SnapshotTextBlock | SnapshotElementBlock | SnapshotFrameBlock;

/** What one page.evaluate in one frame returns. */
export interface FrameSnapshot {
  title: string;
  blocks: SnapshotBlock[];
  scroll: { y: number; height: number; viewportHeight: number };
}

export interface SnapshotOptions {
  generation: string;
  /** How many older generations of element references a frame keeps resolvable. */
  keptGenerations: number;
  /** The isolated world's global that holds the references. */
  storeKey: string;
}
