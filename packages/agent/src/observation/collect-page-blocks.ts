import type { Page } from 'playwright-core';
import { IsolatedWorld, WorldCallError, WorldUnavailableError, type WorldFrame } from '@open-smooth/browser';
import type { BlockPosition, FrameSnapshot, ListenersNeeded, SnapshotOptions } from './frame-snapshot.js';
import { snapshotFrameSource } from './in-page-bundle.js';
import { pageFunctionSource } from './in-page-function.js';
import type { PageBlock } from './page-block.js';
import { inPageStoreKey, type InPageStore } from './in-page/reference-store.js';
import { runtimeLogger } from '@open-smooth/browser';

/** Older generations stay resolvable for a few observations, as long as their elements are attached. */
const keptGenerations = 4;

/** Listeners that make an element something a person acts on. */
const actionListenerTypes = ['click', 'dblclick', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'touchend', 'keydown', 'keyup', 'keypress', 'contextmenu'];

/** The open shadow roots the last ListenersNeeded answer found, to read their listeners too. */
const pendingShadowRootsSource = pageFunctionSource(({ storeKey }: { storeKey: string }): ShadowRoot[] => {
  const store = (globalThis as unknown as Record<string, InPageStore | undefined>)[storeKey];
  return store?.pendingShadowRoots ?? [];
});

export interface PageSnapshot {
  title: string;
  scroll: FrameSnapshot['scroll'];
  blocks: PageBlock[];
}

interface FrameResult {
  snapshot: FrameSnapshot;
  /** The child frames whose iframe elements were passed to the snapshot, in that order. */
  children: WorldFrame[];
}

/**
 * Snapshots every frame in parallel (one evaluate each, two more when its listeners must be read),
 * then places each child frame's blocks where its iframe sits in the parent. Frames whose iframe
 * is hidden are left out. Returns null when the main frame could not be read (e.g. it is navigating).
 */
export async function collectPageBlocks(page: Page, generation: string): Promise<PageSnapshot | null> {
  const world = await IsolatedWorld.for(page).catch(() => null);
  if (!world) return null;
  const frames = await world.frames().catch(() => [] as WorldFrame[]);
  const mainFrame = frames[0];
  if (!mainFrame) return null;
  const childrenOf = new Map<string, WorldFrame[]>();
  for (const frame of frames) {
    if (frame.parentId) childrenOf.set(frame.parentId, [...(childrenOf.get(frame.parentId) ?? []), frame]);
  }
  const results = new Map<string, FrameResult>();
  await Promise.all(
    frames.map(async (frame) => {
      // Each child's iframe element, so the snapshot says where the child's content goes.
      const candidates = childrenOf.get(frame.frameId) ?? [];
      const owners = await Promise.all(candidates.map((child) => world.frameOwner(child.frameId, frame.frameId).catch(() => null)));
      const children = candidates.filter((_, position) => owners[position]);
      const ownerIds = owners.filter((owner): owner is string => owner !== null);
      const snapshot = await snapshotOf(world, frame, { generation, keptGenerations, storeKey: inPageStoreKey, ownerCount: ownerIds.length, listeners: 'cached' }, ownerIds);
      if (snapshot) results.set(frame.frameId, { snapshot, children });
    }),
  );
  const main = results.get(mainFrame.frameId);
  if (!main) return null;

  const blocks: PageBlock[] = [];
  const place = (frame: WorldFrame, result: FrameResult, baseDepth: number, framePosition: BlockPosition): void => {
    for (const block of result.snapshot.blocks) {
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
        const child = result.children[block.ownerIndex];
        const childResult = child ? results.get(child.frameId) : undefined;
        if (child && childResult) place(child, childResult, depth + 1, position);
      }
    }
  };
  place(mainFrame, main, 0, 'viewport');
  return { title: main.snapshot.title, scroll: main.snapshot.scroll, blocks };
}

/**
 * One frame's snapshot: with the listener list kept in the frame from the last read when its DOM
 * has not changed since, else after reading the listeners (of the document and its open shadow
 * roots) through CDP. A frame that is navigating or gone gives null (the main frame: the caller
 * tries again).
 */
async function snapshotOf(world: IsolatedWorld, frame: WorldFrame, options: SnapshotOptions, owners: string[]): Promise<FrameSnapshot | null> {
  const objectGroup = `snapshot-${options.generation}-${frame.frameId}`;
  let read = true;
  const warn = (error: unknown): string[] => {
    read = false;
    if (!(error instanceof WorldUnavailableError)) runtimeLogger.warn({ err: error, url: frame.url }, 'event listeners of a frame not read');
    return [];
  };
  try {
    const documentId = await world.documentId(frame.frameId).catch(() => undefined);
    const kept = documentId !== undefined && keptLists.get(world)?.get(frame.frameId) === documentId;
    // A document never read needs its listeners: ask for them along with the first call (CDP runs
    // both in the frame in the order sent, so the change count is taken before the read).
    const first = callSnapshot(world, frame, options, owners);
    const documentTargets = kept ? undefined : world.listenerTargets(frame.frameId, actionListenerTypes, objectGroup).catch(warn);
    const answer = await first;
    if (!answer || !('listenersNeeded' in answer)) return answer;
    const shadowRoots = answer.shadowRoots > 0 ? await world.callForObjects(frame.frameId, pendingShadowRootsSource, { storeKey: options.storeKey }, objectGroup).catch(warn) : [];
    // Without the list the snapshot still finds controls by role, cursor and inline handlers (and the list is not kept).
    const [fromDocument, fromShadowRoots] = await Promise.all([
      documentTargets ?? world.listenerTargets(frame.frameId, actionListenerTypes, objectGroup).catch(warn),
      shadowRoots.length > 0 ? world.listenerTargets(frame.frameId, actionListenerTypes, objectGroup, { document: false, shadowRoots }).catch(warn) : [],
    ]);
    const second = await callSnapshot(world, frame, { ...options, listeners: 'given', keep: read }, [...owners, ...fromDocument, ...fromShadowRoots]);
    if (!second || 'listenersNeeded' in second) return null;
    if (read && documentId !== undefined) {
      const lists = keptLists.get(world) ?? new Map<string, number>();
      lists.set(frame.frameId, documentId);
      keptLists.set(world, lists);
    }
    return second;
  } finally {
    world.releaseGroup(objectGroup);
  }
}

/** Per page world: the frames whose current document keeps a listener list (frame id -> document id). */
const keptLists = new WeakMap<IsolatedWorld, Map<string, number>>();

async function callSnapshot(world: IsolatedWorld, frame: WorldFrame, options: SnapshotOptions, objects: string[]): Promise<FrameSnapshot | ListenersNeeded | null> {
  const source = await snapshotFrameSource();
  const json = await world.call<string>(frame.frameId, source, options, { objectArguments: objects }).catch((error: unknown) => {
    // A throw inside the snapshot is a defect (the page cannot reach our world): say so.
    if (error instanceof WorldCallError) runtimeLogger.error({ err: error, url: frame.url }, 'snapshot of a frame failed');
    return null;
  });
  return json ? (JSON.parse(json) as FrameSnapshot | ListenersNeeded) : null;
}
