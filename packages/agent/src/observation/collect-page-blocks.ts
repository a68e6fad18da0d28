import type { Frame, Page } from 'playwright-core';
import type { BlockPosition, FrameSnapshot } from './frame-snapshot.js';
import { inPageFunction, inPageJsonFunction } from './in-page-function.js';
import type { PageBlock } from './page-block.js';
import { snapshotFrame, type InPageStore } from './snapshot-frame.js';

/** Older generations stay resolvable for a few observations, as long as their elements are attached. */
const keptGenerations = 4;

const snapshotInPage = inPageJsonFunction(snapshotFrame);

const iframeIndexInPage = inPageFunction(({ iframe, generation }: { iframe: Node; generation: string }): number => {
  const store = (window as unknown as { __openSmooth?: InPageStore }).__openSmooth;
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  return entry ? entry.iframes.findIndex((reference) => reference.deref() === iframe) : -1;
});

/** Asked in the child frame: one round trip instead of resolving the frame's owner element. -2: the parent is cross-origin. */
const ownIframeIndexInPage = inPageFunction((generation: string): number => {
  let owner: Element | null = null;
  try {
    owner = window.frameElement;
  } catch {
    return -2;
  }
  if (!owner) return -2;
  const store = (window.parent as unknown as { __openSmooth?: InPageStore }).__openSmooth;
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  return entry ? entry.iframes.findIndex((reference) => reference.deref() === owner) : -1;
});

export interface PageSnapshot {
  title: string;
  scroll: FrameSnapshot['scroll'];
  blocks: PageBlock[];
}

/**
 * Snapshots every frame in parallel (one evaluate each; Playwright reaches out-of-process
 * iframes too), then places each child frame's blocks where its iframe sits in the parent.
 * Frames whose iframe is hidden are left out. Returns null when the main frame could not be
 * read (e.g. it is navigating).
 */
export async function collectPageBlocks(page: Page, generation: string): Promise<PageSnapshot | null> {
  const frames = page.frames();
  const snapshots = new Map<Frame, FrameSnapshot>();
  await Promise.all(
    frames.map(async (frame) => {
      const json = await frame.evaluate(snapshotInPage, { generation, keptGenerations }).catch(() => null);
      if (json) snapshots.set(frame, JSON.parse(json) as FrameSnapshot);
    }),
  );
  const main = snapshots.get(page.mainFrame());
  if (!main) return null;

  // parent frame -> (iframe index in its snapshot -> child frame)
  const placements = new Map<Frame, Map<number, Frame>>();
  await Promise.all(
    [...snapshots.keys()].map(async (frame) => {
      const parent = frame.parentFrame();
      if (!parent || !snapshots.has(parent)) return;
      const index = await iframeIndexOf(frame, parent, generation);
      if (index < 0) return;
      const children = placements.get(parent) ?? new Map<number, Frame>();
      children.set(index, frame);
      placements.set(parent, children);
    }),
  );

  const blocks: PageBlock[] = [];
  const place = (frame: Frame, snapshot: FrameSnapshot, baseDepth: number, framePosition: BlockPosition): void => {
    for (const block of snapshot.blocks) {
      // inside an iframe that is off screen, everything is where the iframe is
      const position = framePosition === 'viewport' ? block.position : framePosition;
      const depth = baseDepth + block.depth;
      if (block.kind === 'text') {
        blocks.push({ kind: 'text', depth, position, text: block.text });
      } else if (block.kind === 'element') {
        const { kind: _kind, depth: _depth, position: _position, ...element } = block;
        blocks.push({ kind: 'element', depth, position, frame, generation, ...element });
      } else {
        blocks.push({ kind: 'text', depth, position, text: block.title ? `iframe ${JSON.stringify(block.title)}` : 'iframe' });
        const child = placements.get(frame)?.get(block.frameIndex);
        const childSnapshot = child ? snapshots.get(child) : undefined;
        if (child && childSnapshot) place(child, childSnapshot, depth + 1, position);
      }
    }
  };
  place(page.mainFrame(), main, 0, 'viewport');
  return { title: main.title, scroll: main.scroll, blocks };
}

async function iframeIndexOf(frame: Frame, parent: Frame, generation: string): Promise<number> {
  const ownIndex = await frame.evaluate(ownIframeIndexInPage, generation).catch(() => -2);
  if (ownIndex !== -2) return ownIndex;
  const owner = await frame.frameElement().catch(() => null);
  if (!owner) return -1;
  try {
    return await parent.evaluate(iframeIndexInPage, { iframe: owner, generation });
  } catch {
    return -1;
  } finally {
    await owner.dispose().catch(() => undefined);
  }
}
