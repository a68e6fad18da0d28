import type { BlockPosition } from './frame-snapshot.js';

/** A line of page text, or an iframe marker, placed in the page's document order. */
export interface PageTextBlock {
  kind: 'text';
  depth: number;
  position: BlockPosition;
  text: string;
}

/** An interactive element, with what is needed to find it again in its frame. */
export interface PageElementBlock {
  kind: 'element';
  depth: number;
  position: BlockPosition;
  frameId: string;
  frameUrl: string;
  generation: string;
  localIndex: number;
  role: string;
  name: string;
  attributes: string[];
  tagName: string;
  inputType?: string;
}

export type PageBlock = PageTextBlock | PageElementBlock;
