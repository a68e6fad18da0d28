/** The model asked for an index that the observation it read does not list. */
export class ElementNotFoundError extends Error {
  constructor(
    readonly index: number,
    readonly elementCount: number,
  ) {
    const range = elementCount > 0 ? `an index from 1 to ${elementCount}` : 'an index listed in the latest page view';
    super(
      `There is no element [${index}] in the current page view. Use ${range} as shown in the latest page view; ` +
        'if the element you want is not listed, scroll or wait for the page, then look at the new page view.',
    );
    this.name = 'ElementNotFoundError';
  }
}
