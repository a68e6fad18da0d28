import type { Page } from 'playwright-core';
import { IsolatedWorld, WorldCallError, WorldUnavailableError, type WorldFrame } from '@open-smooth/browser';
import type { BlockPosition, FrameSnapshot, SnapshotOptions } from './frame-snapshot.js';
import { pageFunctionSource, pageJsonFunctionSource } from './in-page-function.js';
import type { PageBlock } from './page-block.js';
import { inPageStoreKey, snapshotFrame, type InPageStore } from './snapshot-frame.js';

/** Older generations stay resolvable for a few observations, as long as their elements are attached. */
const keptGenerations = 4;

const snapshotSource = pageJsonFunctionSource(snapshotFrame);
/** Listeners that make an element something a person acts on. */
const actionListenerTypes = ['click', 'dblclick', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'touchend', 'keydown', 'keyup', 'keypress', 'contextmenu'];

/** Asked in the parent frame's world, with the iframe element: its index in this generation's iframe list. */
const iframeIndexSource = pageFunctionSource(({ storeKey, generation }: { storeKey: string; generation: string }, iframe: Element): number => {
  const store = (globalThis as unknown as Record<string, InPageStore | undefined>)[storeKey];
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  return entry ? entry.iframes.findIndex((reference) => reference.deref() === iframe) : -1;
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
  const world = await IsolatedWorld.for(page).catch(() => null);
  if (!world) return null;
  const frames = await world.frames().catch(() => [] as WorldFrame[]);
  const mainFrame = frames[0];
  if (!mainFrame) return null;
  const options: SnapshotOptions = { generation, keptGenerations, storeKey: inPageStoreKey };
  const snapshots = new Map<string, FrameSnapshot>();
  await Promise.all(
    frames.map(async (frame) => {
      const objectGroup = `snapshot-${generation}-${frame.frameId}`;
      // Without the list the snapshot still finds controls by role, cursor and inline handlers.
      const listenerTargets = await world.listenerTargets(frame.frameId, actionListenerTypes, objectGroup).catch((error: unknown) => {
        if (!(error instanceof WorldUnavailableError)) console.warn(`open-smooth: listeners of ${frame.url} not read: ${(error as Error).message}`);
        return [] as string[];
      });
      // A frame that is navigating or gone is left out (the main frame: the caller tries again).
      const json = await world
        .call<string>(frame.frameId, snapshotSource, options, { objectArguments: listenerTargets })
        .catch((error: unknown) => {
          // A throw inside the snapshot is a defect (the page cannot reach our world): say so.
          if (error instanceof WorldCallError) console.warn(`open-smooth: snapshot of ${frame.url} failed: ${error.message}`);
          return null;
        })
        .finally(() => world.releaseGroup(objectGroup));
      if (json) snapshots.set(frame.frameId, JSON.parse(json) as FrameSnapshot);
    }),
  );
  const main = snapshots.get(mainFrame.frameId);
  if (!main) return null;

  // parent frame id -> (iframe index in its snapshot -> child frame)
  const placements = new Map<string, Map<number, WorldFrame>>();
  await Promise.all(
    frames.map(async (frame) => {
      if (!frame.parentId || !snapshots.has(frame.frameId) || !snapshots.has(frame.parentId)) return;
      const index = await iframeIndexOf(world, frame.frameId, frame.parentId, generation);
      if (index < 0) return;
      const children = placements.get(frame.parentId) ?? new Map<number, WorldFrame>();
      children.set(index, frame);
      placements.set(frame.parentId, children);
    }),
  );

  const blocks: PageBlock[] = [];
  const place = (frame: WorldFrame, snapshot: FrameSnapshot, baseDepth: number, framePosition: BlockPosition): void => {
    for (const block of snapshot.blocks) {
      // inside an iframe that is off screen, everything is where the iframe is
      const position = framePosition === 'viewport' ? block.position : framePosition;
      const depth = baseDepth + block.depth;
      if (block.kind === 'text') {
        blocks.push({ kind: 'text', depth, position, text: block.text });
      } else if (block.kind === 'element') {
        const { kind: _kind, depth: _depth, position: _position, ...element } = block;
        blocks.push({ kind: 'element', depth, position, frameId: frame.frameId, frameUrl: frame.url, generation, ...element });
      } else {
        blocks.push({ kind: 'text', depth, position, text: block.title ? `iframe ${JSON.stringify(block.title)}` : 'iframe' });
        const child = placements.get(frame.frameId)?.get(block.frameIndex);
        const childSnapshot = child ? snapshots.get(child.frameId) : undefined;
        if (child && childSnapshot) place(child, childSnapshot, depth + 1, position);
      }
    }
  };
  place(mainFrame, main, 0, 'viewport');
  return { title: main.title, scroll: main.scroll, blocks };
}

async function iframeIndexOf(world: IsolatedWorld, frameId: string, parentId: string, generation: string): Promise<number> {
  const owner = await world.frameOwner(frameId, parentId).catch(() => null);
  if (!owner) return -1;
  try {
    return await world.call<number>(parentId, iframeIndexSource, { storeKey: inPageStoreKey, generation }, { objectArguments: [owner] });
  } catch {
    return -1;
  } finally {
    await world.release(owner);
  }
}
