import { randomUUID } from 'node:crypto';
import { selectors, type CDPSession, type ElementHandle, type Page } from 'playwright-core';
import { errorMessage } from '@open-smooth/protocol';
import { withTimeout } from './with-timeout.js';
import { runtimeLogger } from './runtime-logger.js';

/**
 * The name of our isolated world. Only CDP clients see world names; a page never does. Chromium
 * keeps one world per name and frame, so every call below finds the same world (and what it
 * stored) until the frame's document changes.
 */
const worldName = 'open-smooth';
/** A page that hangs its renderer (while(true){}) must not hang the agent. */
const defaultCallTimeoutMs = 15_000;
/** The selector engine (it runs in Playwright's own isolated world) that hands over one element. */
const handoffEngine = 'open-smooth-handoff';
const handoffKey = 'openSmoothHandoff';
/** Bounds the work on a page that puts a listener on every node. */
const maximumListenerTargets = 3_000;
const documentGroup = 'open-smooth-documents';

export interface CallOptions {
  timeoutMs?: number;
  /** The group a result kept in the page (not by value) belongs to. */
  objectGroup?: string;
  /** Objects of the frame's world passed after the value argument (e.g. elements from listenerTargets). */
  objectArguments?: string[];
}

/** A frame of the page as CDP knows it. */
export interface WorldFrame {
  frameId: string;
  parentId: string | null;
  url: string;
}

/** Thrown when a frame's world cannot be reached: the frame is gone, or the page closed. */
export class WorldUnavailableError extends Error {
  override readonly name = 'WorldUnavailableError';
}

/** Thrown when code run in the world throws; the message is the page-side exception. */
export class WorldCallError extends Error {
  override readonly name = 'WorldCallError';
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  objectId?: string;
  description?: string;
}

interface CallResult {
  result: RemoteObject;
  exceptionDetails?: { text: string; exception?: RemoteObject };
}

interface FrameTree {
  frame: { id: string; parentId?: string; url: string };
  childFrames?: FrameTree[];
}

const worlds = new WeakMap<Page, Promise<IsolatedWorld>>();
let handoffEngineRegistered: Promise<void> | undefined;

/**
 * Our in-page code runs here, never in the page's own JavaScript world: the page cannot see,
 * replace or spoof anything we define (globals, symbols, listeners), nor the built-ins we call
 * (JSON, getComputedStyle, Element.prototype…), so it cannot change what we read or which element
 * an index means. One CDP session per page; OOPIF frames (site isolation on) are not reached.
 */
export class IsolatedWorld {
  readonly #contexts = new Map<string, Promise<number>>();
  readonly #documentScripts: string[] = [];
  readonly #pageDocuments = new Map<string, { contextId: number; objectId: Promise<string> }>();
  readonly #pageWindows = new Map<string, { contextId: number; objectId: Promise<string> }>();
  /** Per child frame: its iframe element as an object of the parent frame's world (kept until either goes). */
  readonly #frameOwners = new Map<string, { parentId: string; objectId: Promise<string | null> }>();
  #mainFrameId: Promise<string> | undefined;
  /** The frame list as last asked, and a count of the frame events since (a list is current while it is unchanged). */
  #frameList: { version: number; frames: Promise<WorldFrame[]> } | undefined;
  #frameVersion = 0;

  private constructor(
    readonly page: Page,
    readonly session: CDPSession,
  ) {
    // A frame's new document gets a new world: forget the old one.
    session.on('Page.frameNavigated', (event: { frame: { id: string } }) => {
      this.#frameChanged();
      this.#forget(event.frame.id);
    });
    session.on('Page.frameDetached', (event: { frameId: string }) => {
      this.#frameChanged();
      this.#forget(event.frameId);
      this.#forgetOwner(event.frameId);
    });
    session.on('Page.frameAttached', () => this.#frameChanged());
    session.on('Page.navigatedWithinDocument', () => this.#frameChanged());
  }

  #frameChanged(): void {
    this.#frameVersion += 1;
  }

  #forget(frameId: string): void {
    this.#contexts.delete(frameId);
    this.#pageDocuments.delete(frameId);
    this.#pageWindows.delete(frameId);
    // Its children's iframe elements belonged to the document that is gone.
    for (const [childId, owner] of this.#frameOwners) if (owner.parentId === frameId) this.#frameOwners.delete(childId);
  }

  #forgetOwner(frameId: string): void {
    const owner = this.#frameOwners.get(frameId);
    if (!owner) return;
    this.#frameOwners.delete(frameId);
    void owner.objectId.then((objectId) => (objectId ? this.release(objectId) : undefined));
  }

  /** The world of `page`, created on first use (one CDP session per page). */
  static for(page: Page): Promise<IsolatedWorld> {
    let world = worlds.get(page);
    if (!world) {
      world = IsolatedWorld.#open(page);
      worlds.set(page, world);
      world.catch(() => worlds.delete(page));
    }
    return world;
  }

  static async #open(page: Page): Promise<IsolatedWorld> {
    const session = await page.context().newCDPSession(page);
    await session.send('Page.enable');
    return new IsolatedWorld(page, session);
  }

  /** Runs `source` (a function expression) at the start of every later document, in every frame, in this world. */
  async addScriptOnNewDocument(source: string): Promise<void> {
    if (this.#documentScripts.includes(source)) return;
    this.#documentScripts.push(source);
    await this.session.send('Page.addScriptToEvaluateOnNewDocument', { source: `(${source})();`, worldName });
  }

  /**
   * The page's frames, main frame first, parents before children. Asked from Chromium only when a
   * frame was attached, navigated (in or across documents) or detached since the last answer: an
   * observation after typing or a click that changed no frame costs no round trip for it.
   */
  frames(): Promise<WorldFrame[]> {
    const cached = this.#frameList;
    if (cached && cached.version === this.#frameVersion) return cached.frames;
    const version = this.#frameVersion;
    const frames = this.#askFrames();
    const entry = { version, frames };
    this.#frameList = entry;
    frames.catch(() => {
      if (this.#frameList === entry) this.#frameList = undefined;
    });
    return frames;
  }

  async #askFrames(): Promise<WorldFrame[]> {
    const { frameTree } = (await this.#send('Page.getFrameTree')) as { frameTree: FrameTree };
    const frames: WorldFrame[] = [];
    const visit = (tree: FrameTree, parentId: string | null): void => {
      frames.push({ frameId: tree.frame.id, parentId, url: tree.frame.url });
      for (const child of tree.childFrames ?? []) visit(child, tree.frame.id);
    };
    visit(frameTree, null);
    return frames;
  }

  /** The main frame's id; it stays the same across the page's navigations, so it is asked once. */
  mainFrameId(): Promise<string> {
    this.#mainFrameId ??= this.frames().then(([main]) => {
      if (!main) throw new WorldUnavailableError('the page has no frame');
      return main.frameId;
    });
    this.#mainFrameId.catch(() => (this.#mainFrameId = undefined));
    return this.#mainFrameId;
  }

  /**
   * Calls `functionSource` (a function expression of one argument) in the frame's world and
   * returns its result by value (awaiting a promise). `thisObjectId` makes an object of this world
   * the function's second argument.
   */
  async call<Result>(frameId: string, functionSource: string, argument: unknown, options: CallOptions = {}): Promise<Result> {
    const result = await this.#callFunction(frameId, functionSource, argument, true, options);
    return result.value as Result;
  }

  /** Like `call`, but keeps the result in the page: the id of the object (null when the function returned a primitive, which is given as `value`). */
  async callForObject(frameId: string, functionSource: string, argument: unknown): Promise<{ objectId: string } | { value: unknown }> {
    const result = await this.#callFunction(frameId, functionSource, argument, false, {});
    return result.objectId ? { objectId: result.objectId } : { value: result.value };
  }

  async release(objectId: string): Promise<void> {
    await this.session.send('Runtime.releaseObject', { objectId }).catch(() => undefined);
  }

  /**
   * The element owning frame `frameId` (its iframe), as an object of the parent frame's world; null
   * when unknown. Kept while both frames keep their documents, so callers must not release it.
   */
  frameOwner(frameId: string, parentId: string): Promise<string | null> {
    const cached = this.#frameOwners.get(frameId);
    if (cached && cached.parentId === parentId) return cached.objectId;
    const objectId = (async () => {
      const owner = (await this.session.send('DOM.getFrameOwner', { frameId }).catch(() => null)) as { backendNodeId: number } | null;
      if (!owner) return null;
      const contextId = await this.#contextId(parentId);
      const resolved = (await this.session
        .send('DOM.resolveNode', { backendNodeId: owner.backendNodeId, executionContextId: contextId })
        .catch(() => null)) as { object: RemoteObject } | null;
      return resolved?.object.objectId ?? null;
    })();
    const entry = { parentId, objectId };
    this.#frameOwners.set(frameId, entry);
    // Not found now (the frame is still being attached): ask again next time.
    void objectId.then((found) => {
      if (!found && this.#frameOwners.get(frameId) === entry) this.#frameOwners.delete(frameId);
    });
    return objectId;
  }

  /**
   * Calls `functionSource` in the frame's world; it returns an array of objects, given back as
   * object ids of that world in `objectGroup` (release the group when done).
   */
  async callForObjects(frameId: string, functionSource: string, argument: unknown, objectGroup: string): Promise<string[]> {
    const array = await this.#callFunction(frameId, functionSource, argument, false, { objectGroup });
    if (!array.objectId) return [];
    const { result } = (await this.#send('Runtime.getProperties', { objectId: array.objectId, ownProperties: true })) as {
      result: Array<{ name: string; value?: RemoteObject }>;
    };
    return result.flatMap((property) => (/^\d+$/.test(property.name) && property.value?.objectId ? [property.value.objectId] : []));
  }

  /**
   * A Playwright handle of an element held in this world (for actions Playwright performs):
   * the element is passed to Playwright's own isolated world through CDP and picked up there by a
   * selector engine, so no page script sees or can swap it on the way. Null when the frame is gone.
   */
  async elementHandle(frameId: string, objectId: string): Promise<ElementHandle<Element> | null> {
    await registerHandoffEngine();
    const described = (await this.#send('DOM.describeNode', { objectId })) as { node: { backendNodeId: number } };
    const utilityContext = (await this.#send('Page.createIsolatedWorld', {
      frameId,
      worldName: playwrightUtilityWorldName(this.page),
    })) as { executionContextId: number };
    const resolved = (await this.#send('DOM.resolveNode', {
      backendNodeId: described.node.backendNodeId,
      executionContextId: utilityContext.executionContextId,
    })) as { object: RemoteObject };
    const key = randomUUID();
    await this.#send('Runtime.callFunctionOn', {
      objectId: resolved.object.objectId,
      functionDeclaration: `function (key) { const store = (globalThis.${handoffKey} ??= new Map()); store.set(key, this); if (store.size > 16) store.delete(store.keys().next().value); }`,
      arguments: [{ value: key }],
    });
    await this.release(resolved.object.objectId ?? '');
    // Only the frame whose Playwright world holds the key answers; a frame's URL is the hint.
    const frames = await this.frames();
    const url = frames.find((frame) => frame.frameId === frameId)?.url;
    const candidates = this.page.frames().sort((a, b) => Number(b.url() === url) - Number(a.url() === url));
    for (const frame of candidates) {
      if (frame.isDetached()) continue;
      const handle = await frame.$(`${handoffEngine}=${key}`);
      if (handle) return handle as ElementHandle<Element>;
    }
    return null;
  }

  /** Identifies the frame's current document: it changes whenever the frame gets a new one. */
  documentId(frameId: string): Promise<number> {
    return this.#contextId(frameId);
  }

  /**
   * The elements of the frame that have a listener of one of `types` (added by any page script,
   * inline handlers too), as objects of the frame's world to pass to `call` (objectArguments) in
   * `objectGroup`; release the group after that call. The document is read (unless `document` is
   * false), and each of `shadowRoots` (open shadow roots, objects of this world): CDP does not
   * descend into them.
   */
  async listenerTargets(
    frameId: string,
    types: readonly string[],
    objectGroup: string,
    { document = true, shadowRoots = [] }: { document?: boolean; shadowRoots?: readonly string[] } = {},
  ): Promise<string[]> {
    const contextId = await this.#contextId(frameId);
    const roots = await Promise.all([
      ...(document ? [this.#pageDocument(frameId, contextId)] : []),
      ...shadowRoots.map((objectId) => this.#inPageWorld(objectId, objectGroup)),
    ]);
    const answers = await Promise.all(
      roots.map((objectId) =>
        this.#send('DOMDebugger.getEventListeners', { objectId, depth: -1, pierce: false }) as Promise<{
          listeners: Array<{ type: string; backendNodeId?: number }>;
        }>,
      ),
    );
    const nodes = new Set<number>();
    for (const { listeners } of answers) {
      for (const listener of listeners) {
        if (listener.backendNodeId !== undefined && types.includes(listener.type) && nodes.size < maximumListenerTargets) nodes.add(listener.backendNodeId);
      }
    }
    const resolved = await Promise.all([...nodes].map((backendNodeId) => this.#resolve(backendNodeId, contextId, objectGroup)));
    return resolved.filter((objectId): objectId is string => objectId !== undefined);
  }

  /**
   * Whether the frame has a listener of one of `types` on its window, its document or any element of
   * its document (elements inside shadow roots are not looked at): a true answer when it cannot tell.
   */
  async hasListeners(frameId: string, types: readonly string[]): Promise<boolean> {
    const contextId = await this.#contextId(frameId);
    const roots = await Promise.all([this.#pageDocument(frameId, contextId), this.#pageWindow(frameId, contextId)]);
    const answers = await Promise.all(
      roots.map((objectId, position) =>
        // The window's own listeners only (depth 0); the document's and every element's below it.
        this.#send('DOMDebugger.getEventListeners', { objectId, depth: position === 0 ? -1 : 0, pierce: false }) as Promise<{ listeners: Array<{ type: string }> }>,
      ),
    );
    return answers.some(({ listeners }) => listeners.some((listener) => types.includes(listener.type)));
  }

  /** The frame's window as an object of the page's main world, kept per document. */
  #pageWindow(frameId: string, contextId: number): Promise<string> {
    const cached = this.#pageWindows.get(frameId);
    if (cached && cached.contextId === contextId) return cached.objectId;
    const objectId = (async () => {
      const pageDocument = await this.#pageDocument(frameId, contextId);
      // \`window\` is unforgeable: page script cannot redefine or shadow it.
      const answer = (await this.#send('Runtime.callFunctionOn', { objectId: pageDocument, functionDeclaration: 'function () { return window; }', objectGroup: documentGroup })) as CallResult;
      if (!answer.result.objectId) throw new WorldUnavailableError('the frame has no window');
      return answer.result.objectId;
    })();
    this.#pageWindows.set(frameId, { contextId, objectId });
    objectId.catch(() => this.#pageWindows.delete(frameId));
    return objectId;
  }

  /** The same node as an object of the page's main world (whose listeners CDP then reports), without running code there. */
  async #inPageWorld(objectId: string, objectGroup: string): Promise<string> {
    const described = (await this.#send('DOM.describeNode', { objectId })) as { node: { backendNodeId: number } };
    const resolved = (await this.#send('DOM.resolveNode', { backendNodeId: described.node.backendNodeId, objectGroup })) as { object: RemoteObject };
    if (!resolved.object.objectId) throw new WorldUnavailableError('the node is gone');
    return resolved.object.objectId;
  }

  /** Releases what `objectGroup` holds, without waiting. */
  releaseGroup(objectGroup: string): void {
    this.session.send('Runtime.releaseObjectGroup', { objectGroup }).catch(() => undefined);
  }

  /**
   * The frame's document as an object of the page's main world, kept per document. CDP reports a
   * node's listeners of the world its object belongs to (all worlds only with `pierce`, which left
   * our session unanswered after a later navigation: seen with the Chromium we ship); the page's
   * listeners are in its main world, so we hold its document there, without running code in it.
   */
  #pageDocument(frameId: string, contextId: number): Promise<string> {
    const cached = this.#pageDocuments.get(frameId);
    if (cached && cached.contextId === contextId) return cached.objectId;
    const objectId = (async () => {
      const ownDocument = (await this.#send('Runtime.evaluate', { expression: 'document', contextId, objectGroup: documentGroup })) as { result: RemoteObject };
      const described = (await this.#send('DOM.describeNode', { objectId: ownDocument.result.objectId })) as { node: { backendNodeId: number } };
      const pageDocument = (await this.#send('DOM.resolveNode', { backendNodeId: described.node.backendNodeId, objectGroup: documentGroup })) as { object: RemoteObject };
      if (!pageDocument.object.objectId) throw new WorldUnavailableError('the frame has no document');
      return pageDocument.object.objectId;
    })();
    this.#pageDocuments.set(frameId, { contextId, objectId });
    objectId.catch(() => this.#pageDocuments.delete(frameId));
    return objectId;
  }

  #resolve(backendNodeId: number, executionContextId: number, objectGroup: string): Promise<string | undefined> {
    return this.session
      .send('DOM.resolveNode', { backendNodeId, executionContextId, objectGroup })
      .then((answer) => answer.object.objectId)
      .catch(() => undefined);
  }

  async #callFunction(
    frameId: string,
    functionSource: string,
    argument: unknown,
    returnByValue: boolean,
    options: CallOptions,
  ): Promise<RemoteObject> {
    for (let attempt = 0; ; attempt += 1) {
      const contextId = await this.#contextId(frameId);
      const parameters = {
        functionDeclaration: functionSource,
        executionContextId: contextId,
        arguments: [{ value: argument }, ...(options.objectArguments ?? []).map((objectId) => ({ objectId }))],
        returnByValue,
        awaitPromise: true,
        ...(options.objectGroup === undefined ? {} : { objectGroup: options.objectGroup }),
      };
      let answer: CallResult;
      try {
        answer = (await answerWithin(this.session.send('Runtime.callFunctionOn', parameters), options.timeoutMs ?? defaultCallTimeoutMs)) as CallResult;
      } catch (error) {
        // The document changed between finding its world and calling into it: find the new one.
        if (attempt === 0 && /Cannot find context|context was destroyed|Execution context/i.test(errorMessage(error))) {
          this.#contexts.delete(frameId);
          continue;
        }
        throw unavailable(error);
      }
      if (answer.exceptionDetails) {
        const detail = answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text;
        if (attempt === 0 && /context was destroyed|navigat/i.test(detail)) {
          this.#contexts.delete(frameId);
          continue;
        }
        throw new WorldCallError(detail);
      }
      return answer.result;
    }
  }

  #contextId(frameId: string): Promise<number> {
    let context = this.#contexts.get(frameId);
    if (!context) {
      context = this.#send('Page.createIsolatedWorld', { frameId, worldName, grantUniveralAccess: false }).then(
        (created) => (created as { executionContextId: number }).executionContextId,
      );
      this.#contexts.set(frameId, context);
      context.catch(() => this.#contexts.delete(frameId));
    }
    return context;
  }

  async #send(method: string, parameters?: object): Promise<unknown> {
    try {
      // CDPSession.send is typed per method; the methods used here are few and their answers typed at each call.
      return await answerWithin((this.session.send as (method: string, parameters?: object) => Promise<unknown>)(method, parameters), defaultCallTimeoutMs);
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function unavailable(error: unknown): Error {
  if (error instanceof WorldCallError || error instanceof WorldUnavailableError) return error;
  return new WorldUnavailableError(errorMessage(error));
}

/** A CDP answer within `timeoutMs`, else WorldUnavailableError: a page stuck in a loop must not hang the agent. */
function answerWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return withTimeout(promise, { timeoutMs, timeoutError: () => new WorldUnavailableError(`the page did not answer within ${timeoutMs} ms`) });
}

/**
 * Playwright names its isolated world after the page's id (crPage.ts, `utilityWorldName`); the
 * client object carries the same id. Pinned Playwright version: a change shows as a failing test.
 */
function playwrightUtilityWorldName(page: Page): string {
  const guid = (page as unknown as { _guid?: string })._guid;
  if (!guid) throw new WorldUnavailableError("cannot name Playwright's isolated world of this page");
  return `__playwright_utility_world_${guid}`;
}

/**
 * Playwright builds a frame's selector engines when it first queries that frame's document, so
 * the engine must be registered before any page is used: at load, once per process.
 */
function registerHandoffEngine(): Promise<void> {
  handoffEngineRegistered ??= selectors
    .register(
      handoffEngine,
      `({
        query(root, key) { return globalThis.${handoffKey}?.get(key) ?? null; },
        queryAll(root, key) { const element = globalThis.${handoffKey}?.get(key); return element ? [element] : []; },
      })`,
      { contentScript: true },
    )
    .catch((error: unknown) => {
      // Registered already by another copy of this module in the process (tests import sources twice).
      if (!/already registered/.test(errorMessage(error))) throw error;
    });
  return handoffEngineRegistered;
}

registerHandoffEngine().catch((error: unknown) => runtimeLogger.error({ err: error }, 'element handoff engine not registered'));
