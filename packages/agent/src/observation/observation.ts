import type { ElementReference } from './element-reference.js';

/** One numbered interactive element of a page view. */
export interface ObservedElement {
  /** 1-based, as the model sees it in `[index]`. */
  index: number;
  role: string;
  name: string;
  /** The element's line in `Observation.text`, without indentation. */
  line: string;
  frameUrl: string;
  inViewport: boolean;
  /** Not in the previous observation. */
  isNew: boolean;
  tagName: string;
  inputType?: string;
  /** Where the element lives (resolved in our isolated world at act time). */
  reference: ElementReference;
}

/** The compact text view of a page that the model reads each step. */
export interface Observation {
  url: string;
  title: string;
  text: string;
  /** o200k tokens of `text`. */
  tokens: number;
  elements: ObservedElement[];
  /** Stable hash of the element list (ignores values and states), to notice that the list changed. */
  signature: string;
  /** Some of the page was left out to stay within the token budget. */
  truncated: boolean;
  scroll: { y: number; height: number; viewportHeight: number };
}

export interface ObserveOptions {
  /** Upper bound of `tokens`; default 4000. */
  tokenBudget?: number;
  /** The observation of the previous step: elements not in it are marked new with `*`. */
  previous?: Observation;
}
