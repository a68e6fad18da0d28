/** The index came from an older page state: acting on it could hit the wrong element, so refuse. */
export class StaleElementError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(
      `Element [${index}] belongs to an older page state (${reason}). ` +
        'The page has changed since it was observed: read the new page view and use its indices.',
    );
    this.name = 'StaleElementError';
  }
}
