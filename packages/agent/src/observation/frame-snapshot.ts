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

/** An iframe of this frame: the child frame whose owner was given at `ownerIndex` (see SnapshotOptions.ownerCount). */
export interface SnapshotFrameBlock {
  kind: 'frame';
  depth: number;
  position: BlockPosition;
  ownerIndex: number;
  title: string;
}

export type SnapshotBlock = SnapshotTextBlock | SnapshotElementBlock | SnapshotFrameBlock;

/** What one page.evaluate in one frame returns. */
export interface FrameSnapshot {
  title: string;
  blocks: SnapshotBlock[];
  scroll: { y: number; height: number; viewportHeight: number };
}

/**
 * What the snapshot answers instead when the frame's listener list must be read first: none was
 * read for this document yet, or its DOM changed since. The open shadow roots to read too are kept
 * in the store (`pendingShadowRoots`).
 */
export interface ListenersNeeded {
  listenersNeeded: true;
  shadowRoots: number;
}

export interface SnapshotOptions {
  generation: string;
  /** How many older generations of element references a frame keeps resolvable. */
  keptGenerations: number;
  /** The isolated world's global that holds the references. */
  storeKey: string;
  /** The first this many objects passed are the iframe elements of the frame's child frames. */
  ownerCount: number;
  /**
   * `cached`: use the listener list kept from the last read while the DOM has not changed since
   * (else answer ListenersNeeded); `given`: the objects after the owners are the elements with
   * listeners, read just now (kept for later when `keep` is set).
   */
  listeners: 'cached' | 'given';
  keep?: boolean;
}
