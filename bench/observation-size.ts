import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { countTokens, observePage, type Observation } from '@open-smooth/agent';
import { BrowserPool } from '@open-smooth/browser';
import { isQuickMode } from './lib/bench-options.js';
import { ratioOf, type BenchRow } from './lib/bench-row.js';
import { largePages, startLargePageServer, type NeededElement } from './lib/large-pages.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { startStagehandPeer, type StagehandPeer } from './lib/stagehand-peer.js';
import { loopbackNetworkAllowance, startFixtureServer } from './lib/testkit.js';

/** Issue 4, item 3: o200k tokens of ours vs Playwright's AI snapshot vs Stagehand's tree, per page. */

interface PageCase {
  label: string;
  url: string;
  needed: NeededElement[];
}

const fixtureNeeds: Record<string, NeededElement[]> = {
  '/flights': [
    { role: 'textbox', name: 'From' },
    { role: 'textbox', name: 'To' },
    { role: 'textbox', name: 'Date' },
    { role: 'button', name: 'Search' },
  ],
  '/apply': [
    { role: 'textbox', name: 'Full name' },
    { role: 'textbox', name: 'Email address' },
    { role: 'button', name: 'Next' },
  ],
  '/login': [
    { role: 'textbox', name: 'Username' },
    { role: 'textbox', name: 'Password' },
    { role: 'button', name: 'Sign in' },
  ],
  '/account': [],
  '/shop': [
    { role: 'button', name: 'Add Burr Coffee Grinder to basket' },
    { role: 'link', name: 'Next' },
  ],
  '/frames': [
    { role: 'button', name: 'Same-origin frame button' },
    { role: 'button', name: 'Cross-origin frame button' },
    { role: 'button', name: 'Shadow button' },
    { role: 'textbox', name: 'Promo code' },
  ],
  '/downloads': [{ role: 'link', name: 'Download Q1 sales report' }],
  '/upload': [
    { role: 'button', name: 'Document' },
    { role: 'button', name: 'Upload' },
  ],
  '/menu': [{ role: 'any', name: 'Products' }],
  '/board': [
    { role: 'any', name: 'Fix login redirect bug' },
    { role: 'any', name: 'Onboarding email series' },
  ],
};

const textEntryRoles = new Set(['textbox', 'searchbox', 'combobox']);

function rolesMatch(wanted: string, actual: string): boolean {
  if (wanted === 'any' || wanted === actual) return true;
  return textEntryRoles.has(wanted) && textEntryRoles.has(actual);
}

function missingFromOurs(observation: Observation, needed: NeededElement[]): string[] {
  return needed
    .filter(
      (need) =>
        !observation.elements.some(
          (element) => rolesMatch(need.role, element.role) && element.name.toLowerCase().includes(need.name.toLowerCase()),
        ),
    )
    .map((need) => need.name);
}

/** A peer's text shows the element when its name appears in it (peers list names verbatim). */
function missingFromText(text: string, needed: NeededElement[]): string[] {
  const lower = text.toLowerCase();
  return needed.filter((need) => !lower.includes(need.name.toLowerCase())).map((need) => need.name);
}

/** @playwright/mcp's snapshot; `page.ariaSnapshot({mode:'ai'})` is not in playwright-core 1.56, its internal equivalent is. */
async function playwrightAiSnapshot(page: Page): Promise<string> {
  const withSnapshot = page as Page & { _snapshotForAI?: () => Promise<string | { full: string }> };
  if (typeof withSnapshot._snapshotForAI !== 'function') throw new Error('this playwright-core has no AI snapshot');
  const snapshot = await withSnapshot._snapshotForAI();
  return typeof snapshot === 'string' ? snapshot : snapshot.full;
}

async function stagehandTree(peer: StagehandPeer, url: string): Promise<string> {
  await peer.page().goto(url);
  peer.setTarget({ role: 'none', name: 'none', method: 'click', arguments: [] });
  await peer.observe('find every interactive element');
  return peer.lastTree();
}

export async function runObservationSize(): Promise<BenchRow[]> {
  const fixtures = await startFixtureServer();
  const large = await startLargePageServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmContextsPerDevice: 0 });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-downloads-'));
  const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
  let peer: StagehandPeer | undefined;
  let peerError: string | undefined;
  try {
    peer = await startStagehandPeer();
  } catch (error) {
    peerError = (error as Error).message;
  }
  const fixturePaths = isQuickMode() ? ['/flights'] : Object.keys(fixtureNeeds);
  const cases: PageCase[] = [
    ...fixturePaths.map((path) => ({ label: path, url: fixtures.url(path), needed: fixtureNeeds[path] ?? [] })),
    ...(isQuickMode() ? largePages.slice(0, 1) : largePages).map((generated) => ({ label: generated.path, url: large.url(generated.path), needed: generated.needed })),
  ];
  const rows: BenchRow[] = [];
  try {
    for (const pageCase of cases) {
      await taskContext.goto(pageCase.url);
      await taskContext.waitForSettle();
      const ours = await observePage(taskContext.page, {});
      const playwrightText = await playwrightAiSnapshot(taskContext.page);
      const playwrightTokens = countTokens(playwrightText);
      const stagehandText = peer ? await stagehandTree(peer, pageCase.url) : undefined;
      const stagehandTokens = stagehandText === undefined ? null : countTokens(stagehandText);
      const smallerPeer = Math.min(playwrightTokens, stagehandTokens ?? Number.POSITIVE_INFINITY);
      const ratio = ratioOf(ours.tokens, smallerPeer);
      const lostOurs = missingFromOurs(ours, pageCase.needed);
      const lostPlaywright = missingFromText(playwrightText, pageCase.needed);
      const lostStagehand = stagehandText === undefined ? [] : missingFromText(stagehandText, pageCase.needed);
      const lostNote = (label: string, lost: string[]) => (lost.length === 0 ? '' : `; ${label} lost: ${lost.join(', ')}`);
      rows.push({
        benchmark: 'observation-size',
        measure: `${pageCase.label} tokens`,
        unit: 'tokens',
        value: ours.tokens,
        peerName: stagehandTokens === null ? 'playwright' : 'smaller of playwright/stagehand',
        peerValue: smallerPeer,
        ratio,
        goal: '<= 0.5x smaller peer, nothing needed lost',
        met: ratio !== null && ratio <= 0.5 && lostOurs.length === 0,
        note:
          `playwright ${playwrightTokens}, stagehand ${stagehandTokens ?? `n/a (${peerError})`}; ours ${ours.elements.length} elements` +
          `${ours.truncated ? ', truncated to budget' : ''}; needed ${pageCase.needed.length - lostOurs.length}/${pageCase.needed.length}` +
          lostNote('ours', lostOurs) +
          lostNote('playwright', lostPlaywright) +
          lostNote('stagehand', lostStagehand),
      });
    }
  } finally {
    await peer?.close().catch(() => {});
    await taskContext.close();
    await pool.close();
    await Promise.all([fixtures.close(), large.close()]);
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('observation-size', runObservationSize);
