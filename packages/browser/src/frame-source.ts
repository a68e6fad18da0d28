import type { BrowserContext, CDPSession, Page } from 'playwright-core';

import type { TabSet } from './tab-set.js';
import { runtimeLogger } from './runtime-logger.js';

/** One picture of the active tab, as Chromium's screencast sent it. */
export interface ScreencastFrame {
  /** JPEG bytes. */
  jpeg: Buffer;
  /** When Chromium painted it (ms since the epoch). */
  timestampMs: number;
  /** Size of the picture in pixels. */
  width: number;
  height: number;
}

export interface FrameSubscription {
  /** The most frames per second this consumer wants; the screencast runs at the highest rate asked. Default 10. */
  maxFramesPerSecond?: number;
  /** The longest side of the pictures this consumer wants, in pixels; the screencast sends the largest asked. Default 1280. */
  maxFrameSide?: number;
  /**
   * The consumer needs no frames before this resolves (a recorder, until the task's first page
   * has settled): the screencast, which costs the page's first paints a JPEG encode each, starts
   * for it only then.
   */
  startAfter?: Promise<unknown>;
}

/**
 * A task's stream of frames that follows its active tab. Consumers (the live view, the recorder)
 * subscribe; nothing is captured while nobody does. An interface so that a server which does not
 * hold the browser can be given a remote implementation later.
 */
export interface FrameSource {
  /** Calls listener with every frame from now on; returns the unsubscribe function. */
  subscribe(listener: (frame: ScreencastFrame) => void, options?: FrameSubscription): () => void;
  /** The last frame seen while someone was subscribed, so a new viewer has a picture at once. */
  readonly latestFrame: ScreencastFrame | undefined;
  /**
   * A picture of the active tab now, outside the stream, its longest side at most maxFrameSide
   * (default 1280); undefined once closed or without a tab.
   */
  capture(options?: { maxFrameSide?: number }): Promise<ScreencastFrame | undefined>;
}

interface Consumer {
  listener: (frame: ScreencastFrame) => void;
  maxFramesPerSecond: number;
  maxFrameSide: number;
  /** False until the consumer's startAfter has resolved. */
  started: boolean;
}

interface ActiveCast {
  page: Page;
  session: CDPSession;
  frameSide: number;
  ackTimer?: NodeJS.Timeout;
}

interface ScreencastFrameEvent {
  data: string;
  sessionId: number;
  metadata: { timestamp?: number; deviceWidth: number; deviceHeight: number };
}

/** Chromium paints at most this often. */
const paintsPerSecond = 60;
/** The largest picture asked for; a bigger viewport is scaled down by Chromium. */
const maxFrameSide = 1280;
const jpegQuality = 70;

/** JPEG's SOF marker holds the picture's height then width. */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  let offset = 2;
  while (offset + 9 < jpeg.length) {
    if (jpeg[offset] !== 0xff) break;
    const marker = jpeg[offset + 1] ?? 0;
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: jpeg.readUInt16BE(offset + 5), width: jpeg.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return { width: 0, height: 0 };
}

/**
 * The CDP screencast (Page.startScreencast) of whichever tab is active: it moves to the new tab
 * when the active one changes, runs only while it has consumers, and stops for good at close
 * (when the context goes back to the pool or closes).
 */
export class ScreencastFrameSource implements FrameSource {
  readonly #context: BrowserContext;
  readonly #tabs: TabSet;
  readonly #consumers = new Set<Consumer>();
  #latest: ScreencastFrame | undefined;
  #cast: ActiveCast | undefined;
  /** Start/stop/move run one after another, never interleaved. */
  #chain: Promise<void> = Promise.resolve();
  #unsubscribeTabs: (() => void) | undefined;
  #closed = false;

  constructor(context: BrowserContext, tabs: TabSet) {
    this.#context = context;
    this.#tabs = tabs;
  }

  get latestFrame(): ScreencastFrame | undefined {
    return this.#latest;
  }

  subscribe(listener: (frame: ScreencastFrame) => void, options: FrameSubscription = {}): () => void {
    if (this.#closed) return () => {};
    const consumer: Consumer = {
      listener,
      maxFramesPerSecond: Math.max(1, Math.min(paintsPerSecond, options.maxFramesPerSecond ?? 10)),
      maxFrameSide: Math.max(64, Math.min(maxFrameSide, Math.round(options.maxFrameSide ?? maxFrameSide))),
      started: options.startAfter === undefined,
    };
    this.#consumers.add(consumer);
    this.#unsubscribeTabs ??= this.#tabs.onActiveTabChanged(() => void this.#reconcile());
    if (consumer.started) void this.#reconcile();
    else {
      const start = () => {
        consumer.started = true;
        if (this.#consumers.has(consumer)) void this.#reconcile();
      };
      options.startAfter?.then(start, start);
    }
    return () => {
      if (!this.#consumers.delete(consumer)) return;
      void this.#reconcile();
    };
  }

  async capture(options: { maxFrameSide?: number } = {}): Promise<ScreencastFrame | undefined> {
    const page = this.#tabs.active;
    if (this.#closed || !page || page.isClosed()) return undefined;
    // Through CDP rather than page.screenshot, which would put a caret-hiding style in the page.
    const cast = this.#cast?.page === page ? this.#cast : undefined;
    const session = cast?.session ?? (await this.#context.newCDPSession(page));
    try {
      // A clip is in document coordinates: the visible part is where the page is scrolled to.
      const { cssVisualViewport: visible } = (await session.send('Page.getLayoutMetrics')) as {
        cssVisualViewport: { pageX: number; pageY: number; clientWidth: number; clientHeight: number };
      };
      const scale = Math.min(1, (options.maxFrameSide ?? maxFrameSide) / Math.max(visible.clientWidth, visible.clientHeight, 1));
      const { data } = (await session.send('Page.captureScreenshot', {
        format: 'jpeg',
        quality: jpegQuality,
        clip: { x: visible.pageX, y: visible.pageY, width: visible.clientWidth, height: visible.clientHeight, scale },
      })) as { data: string };
      const jpeg = Buffer.from(data, 'base64');
      return { jpeg, timestampMs: Date.now(), ...jpegSize(jpeg) };
    } finally {
      if (!cast) await session.detach().catch(() => undefined);
    }
  }

  /** Stops the screencast and drops every consumer; resolves once Chromium has stopped sending. */
  close(): Promise<void> {
    this.#closed = true;
    this.#consumers.clear();
    this.#unsubscribeTabs?.();
    this.#unsubscribeTabs = undefined;
    return this.#reconcile();
  }

  /** Brings the screencast in line with the consumers and the active tab. */
  #reconcile(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#apply()).catch((error: unknown) => {
      // A tab that closes mid-way is normal; anything else is worth a line in the log.
      if (!/closed|Target.*not found|detached/i.test(String(error))) runtimeLogger.warn({ err: error }, 'screencast could not follow the active tab');
    });
    return this.#chain;
  }

  /** The consumers that want frames now. */
  #started(): Consumer[] {
    return [...this.#consumers].filter((consumer) => consumer.started);
  }

  async #apply(): Promise<void> {
    const consumers = this.#started();
    const wanted = this.#closed || consumers.length === 0 ? undefined : this.#tabs.active;
    const frameSide = Math.max(...consumers.map((consumer) => consumer.maxFrameSide), 64);
    const current = this.#cast;
    if (current && current.page === wanted && current.frameSide >= frameSide) return;
    if (current) {
      this.#cast = undefined;
      clearTimeout(current.ackTimer);
      await current.session.send('Page.stopScreencast').catch(() => undefined);
      await current.session.detach().catch(() => undefined);
    }
    if (!wanted || wanted.isClosed()) return;
    const session = await this.#context.newCDPSession(wanted);
    const cast: ActiveCast = { page: wanted, session, frameSide };
    this.#cast = cast;
    session.on('Page.screencastFrame', (event: ScreencastFrameEvent) => this.#onFrame(cast, event));
    // Every paint may become a frame (an idle page paints nothing, so it costs nothing); the
    // rate is capped by when frames are acknowledged, see #onFrame. Smaller pictures cost less to
    // encode, send and store: the size is the largest a consumer asked for.
    await session.send('Page.startScreencast', { format: 'jpeg', quality: jpegQuality, maxWidth: frameSide, maxHeight: frameSide, everyNthFrame: 1 });
  }

  /** Shortest time between two frames that the most demanding consumer accepts. */
  #frameIntervalMs(): number {
    const fastest = Math.max(1, ...this.#started().map((consumer) => consumer.maxFramesPerSecond));
    return 1000 / fastest;
  }

  #onFrame(cast: ActiveCast, event: ScreencastFrameEvent): void {
    // Chromium encodes the next frame only once this one is acknowledged: acknowledging later
    // is what keeps the frame rate (and Chromium's JPEG work) down to what consumers want.
    const acknowledge = () => cast.session.send('Page.screencastFrameAck', { sessionId: event.sessionId }).catch(() => undefined);
    clearTimeout(cast.ackTimer);
    cast.ackTimer = setTimeout(acknowledge, this.#frameIntervalMs());
    if (this.#cast !== cast) return;
    const jpeg = Buffer.from(event.data, 'base64');
    const frame: ScreencastFrame = {
      jpeg,
      timestampMs: event.metadata.timestamp !== undefined ? event.metadata.timestamp * 1000 : Date.now(),
      ...jpegSize(jpeg),
    };
    this.#latest = frame;
    for (const consumer of this.#started()) {
      try {
        consumer.listener(frame);
      } catch (error) {
        runtimeLogger.warn({ err: error }, 'a screencast consumer failed on a frame');
      }
    }
  }
}
