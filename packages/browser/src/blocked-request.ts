import type { BlockReason } from './network-policy.js';

/** A request the task's network policy stopped before it left the browser. */
export interface BlockedRequest {
  url: string;
  /** Playwright's resource type names: document, xhr, fetch, script, image, websocket, … */
  resourceType: string;
  /** True for a document load of a page or frame (including redirect hops of one). */
  isNavigation: boolean;
  /** Which rule refused it (see network-policy.ts); the union grows with the filters. */
  reason: BlockReason;
  /** One sentence saying what was refused and why. */
  detail: string;
  /** Unix milliseconds. */
  time: number;
}
