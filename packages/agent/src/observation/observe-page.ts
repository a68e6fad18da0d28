import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { collectPageBlocks, type PageSnapshot } from './collect-page-blocks.js';
import type { Observation, ObserveOptions } from './observation.js';
import { renderObservation } from './render-observation.js';

const defaultTokenBudget = 4000;
/** A main frame that is mid-navigation cannot be read; wait for the new document a few times. */
const attempts = 3;

/** The compact text view of the page, with numbered elements that `resolveElement` can find again. */
export async function observePage(page: Page, options: ObserveOptions = {}): Promise<Observation> {
  const generation = randomUUID();
  let snapshot: PageSnapshot | null = null;
  for (let attempt = 0; attempt < attempts && !snapshot; attempt += 1) {
    if (attempt > 0) await page.waitForLoadState('domcontentloaded', { timeout: 5_000 }).catch(() => undefined);
    snapshot = await collectPageBlocks(page, generation);
  }
  return renderObservation({
    url: page.url(),
    snapshot: snapshot ?? { title: '', scroll: { y: 0, height: 0, viewportHeight: page.viewportSize()?.height ?? 0 }, blocks: [] },
    tokenBudget: options.tokenBudget ?? defaultTokenBudget,
    previous: options.previous,
  });
}
