import type { Frame } from 'playwright-core';
import type { ObservedElement } from './observation.js';

/** Where an observed element lives: its frame, and its slot in that frame's generation of references. */
export interface ElementReference {
  frame: Frame;
  generation: string;
  localIndex: number;
}

/**
 * Keyed by the element objects themselves (not the observation), so a caller may copy an
 * observation with spread and still resolve its elements.
 */
export const elementReferences = new WeakMap<ObservedElement, ElementReference>();
