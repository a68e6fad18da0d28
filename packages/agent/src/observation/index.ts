export type { ObservedElement, Observation, ObserveOptions } from './observation.js';
export { observePage } from './observe-page.js';
export { resolveElement } from './resolve-element.js';
export { evaluateOnElement } from './evaluate-on-element.js';
export { ElementNotFoundError } from './element-not-found-error.js';
export { StaleElementError } from './stale-element-error.js';
export { countTokens } from './count-tokens.js';
