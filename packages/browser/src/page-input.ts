import type { Page } from 'playwright-core';

/** A point on the picture, as fractions (0–1) of its width and height, so any display size works. */
export interface RelativePoint {
  x: number;
  y: number;
}

export type MouseButtonName = 'left' | 'middle' | 'right';

/**
 * What a person does in an interactive live view, sent to the task's active tab. An interface so
 * that a remote browser can be driven the same way later.
 */
export interface PageInput {
  mouseMove(point: RelativePoint): Promise<void>;
  mouseDown(point: RelativePoint, button: MouseButtonName): Promise<void>;
  mouseUp(point: RelativePoint, button: MouseButtonName): Promise<void>;
  wheel(point: RelativePoint, deltaX: number, deltaY: number): Promise<void>;
  /** `key` as KeyboardEvent.key names it ("a", "Enter", "ArrowLeft", "Shift"). */
  keyDown(key: string): Promise<void>;
  keyUp(key: string): Promise<void>;
  /** Text that has no key of its own (an emoji, a composed character). */
  insertText(text: string): Promise<void>;
}

export class NoActiveTabError extends Error {
  override readonly name = 'NoActiveTabError';
  constructor() {
    super('the task has no open tab to send input to');
  }
}

const clampFraction = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** Keys Playwright knows by name; a one-character key is typed as itself. */
function isNamedKey(key: string): boolean {
  return /^[A-Z][A-Za-z0-9]*$/.test(key) && key.length > 1;
}

/** PageInput through Playwright's mouse and keyboard (real input events, as a person's would be). */
export class PlaywrightPageInput implements PageInput {
  readonly #activePage: () => Page | undefined;
  /** The tab a mouse button went down on, so its up goes to the same tab. */
  #pressedOn: Page | undefined;

  constructor(activePage: () => Page | undefined) {
    this.#activePage = activePage;
  }

  async mouseMove(point: RelativePoint): Promise<void> {
    const { page, x, y } = this.#locate(point);
    await page.mouse.move(x, y);
  }

  async mouseDown(point: RelativePoint, button: MouseButtonName): Promise<void> {
    const { page, x, y } = this.#locate(point);
    this.#pressedOn = page;
    await page.mouse.move(x, y);
    await page.mouse.down({ button });
  }

  async mouseUp(point: RelativePoint, button: MouseButtonName): Promise<void> {
    const { page, x, y } = this.#locate(point);
    const target = this.#pressedOn && !this.#pressedOn.isClosed() ? this.#pressedOn : page;
    this.#pressedOn = undefined;
    await target.mouse.move(x, y);
    await target.mouse.up({ button });
  }

  async wheel(point: RelativePoint, deltaX: number, deltaY: number): Promise<void> {
    const { page, x, y } = this.#locate(point);
    await page.mouse.move(x, y);
    await page.mouse.wheel(Number.isFinite(deltaX) ? deltaX : 0, Number.isFinite(deltaY) ? deltaY : 0);
  }

  async keyDown(key: string): Promise<void> {
    const page = this.#page();
    if (key.length === 1 || isNamedKey(key)) await page.keyboard.down(key);
    else await page.keyboard.insertText(key);
  }

  async keyUp(key: string): Promise<void> {
    const page = this.#page();
    if (key.length === 1 || isNamedKey(key)) await page.keyboard.up(key);
  }

  async insertText(text: string): Promise<void> {
    await this.#page().keyboard.insertText(text);
  }

  #page(): Page {
    const page = this.#activePage();
    if (!page || page.isClosed()) throw new NoActiveTabError();
    return page;
  }

  /** The point in CSS pixels of the page's viewport, which is what the screencast shows. */
  #locate(point: RelativePoint): { page: Page; x: number; y: number } {
    const page = this.#page();
    const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
    return { page, x: clampFraction(point.x) * viewport.width, y: clampFraction(point.y) * viewport.height };
  }
}
