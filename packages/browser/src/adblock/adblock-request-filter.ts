import type { RequestFilter } from '../network-policy.js';
import type { AdblockEngine } from './adblock-engine.js';

/** The network policy's adblock rule: a block names the filter that matched and its list. */
export function adblockRequestFilter(engine: AdblockEngine): RequestFilter {
  return (request) => {
    const match = engine.match({
      url: request.url,
      type: request.resourceType,
      isMainFrame: request.isMainFrame ?? request.isNavigation,
      ...(request.sourceUrl !== undefined ? { sourceUrl: request.sourceUrl } : {}),
    });
    if (!match) return undefined;
    return { reason: 'adblock', detail: `adblock: ${match.filter} (${match.list})` };
  };
}
