export { AdblockEngine, type AdblockMatch, type AdblockRequest } from './adblock-engine.js';
export { adblockRequestFilter } from './adblock-request-filter.js';
