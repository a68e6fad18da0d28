/** A request the URL policy stopped before it left the browser. */
export interface BlockedRequest {
  url: string;
  /** Playwright's resource type names: document, xhr, fetch, script, image, … */
  resourceType: string;
  /** True for a document load of a page or frame (including redirect hops of one). */
  isNavigation: boolean;
  reason: string;
  /** Unix milliseconds. */
  time: number;
}

export const notAllowedReason = 'URL is not in allowed_urls';
