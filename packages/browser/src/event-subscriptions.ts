/**
 * Anything with Node-style on/off, such as Playwright's BrowserContext, Page and CDPSession (their
 * overloads per event name do not fit one signature, hence the loose type).
 */
interface EventSource {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  on: Function;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  off: Function;
}

/**
 * Listeners added for one task, removed together when the task lets its context go back to the
 * pool: a reused context must not keep calling into the task that had it before.
 */
export class EventSubscriptions {
  readonly #removers: Array<() => void> = [];
  #disposed = false;

  get disposed(): boolean {
    return this.#disposed;
  }

  on<Listener extends (...values: never[]) => unknown>(source: EventSource, event: string, listener: Listener): void {
    if (this.#disposed) return;
    source.on.call(source, event, listener);
    this.#removers.push(() => source.off.call(source, event, listener));
  }

  /** Adds a listener that removes itself after its first call. */
  once<Listener extends (...values: never[]) => unknown>(source: EventSource, event: string, listener: Listener): void {
    const wrapper = ((...values: never[]) => {
      source.off.call(source, event, wrapper);
      return listener(...values);
    }) as Listener;
    this.on(source, event, wrapper);
  }

  dispose(): void {
    this.#disposed = true;
    for (const remove of this.#removers.splice(0)) remove();
  }
}
