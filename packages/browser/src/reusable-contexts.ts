import type { BrowserContext } from 'playwright-core';

import { resetContext } from './reset-context.js';

interface KeptContext {
  context: BrowserContext;
  expiry: NodeJS.Timeout;
}

export interface ReusableContextsOptions {
  /** Most contexts kept (being wiped or wiped), all keys together. */
  maxContexts: number;
  /** A kept context nobody takes within this time is closed. */
  idleMs: number;
  /** True once the pool is closing: nothing is kept any more. */
  isClosed: () => boolean;
}

/**
 * Contexts their task gave back, wiped (see reset-context.ts) and kept for the next task with the
 * same key (recipe and reuse scope, see BrowserPool): keeping a context keeps its window and
 * renderer, the costly part of a new one.
 */
export class ReusableContexts {
  /** Wiped contexts, by key. */
  readonly #kept = new Map<string, KeptContext[]>();
  /** Contexts being wiped, by key. */
  readonly #resetting = new Map<string, Set<Promise<void>>>();
  /** Contexts whose task is ending and may give them back, by key: each settles once its task's close is done. */
  readonly #returning = new Map<string, Set<Promise<void>>>();

  constructor(private readonly options: ReusableContextsOptions) {}

  /** Number of wiped contexts kept for a key. */
  count(key: string): number {
    return this.#kept.get(key)?.length ?? 0;
  }

  /** The wipes in progress (for a pool that waits until it is quiet). */
  inProgress(): Promise<void>[] {
    return [...this.#resetting.values()].flatMap((set) => [...set]);
  }

  /** A wiped context of the key, or the next one being wiped (ready sooner than a new one: ~20 ms vs ~150 ms). */
  async take(key: string): Promise<BrowserContext | undefined> {
    const found = this.#takeKept(key);
    if (found) return found;
    const resetting = [...(this.#resetting.get(key) ?? [])];
    if (resetting.length === 0) return undefined;
    await Promise.race(resetting);
    return this.#takeKept(key);
  }

  /**
   * A context of the key whose task is ending (its close, which may give the context back, settles
   * `closed`): a caller of takeSoon may wait for it rather than build a new context.
   */
  expectReturn(key: string, closed: Promise<void>): void {
    const returning = this.#returning.get(key) ?? new Set<Promise<void>>();
    this.#returning.set(key, returning);
    const tracked: Promise<void> = closed.catch(() => undefined).finally(() => {
      returning.delete(tracked);
      if (returning.size === 0 && this.#returning.get(key) === returning) this.#returning.delete(key);
    });
    returning.add(tracked);
  }

  /**
   * Like take, but also waits (up to waitMs) for contexts of the key whose task is ending to come
   * back and be wiped: under load, building a context costs far more than wiping one (~150 ms
   * against ~20 ms idle, seconds at c=10 on two busy cores), and a batch of tasks that starts as
   * the previous batch is closing would otherwise build one each. Undefined when none came back in time.
   */
  async takeSoon(key: string, waitMs: number): Promise<BrowserContext | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.#takeKept(key);
      if (found) return found;
      const pending = [...(this.#resetting.get(key) ?? []), ...(this.#returning.get(key) ?? [])];
      const leftMs = deadline - Date.now();
      if (pending.length === 0 || leftMs <= 0 || this.options.isClosed()) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, leftMs).unref()));
      // Each pending entry leaves its set before it settles, so a woken caller never sees it again.
      await Promise.race([...pending, timeout]);
      clearTimeout(timer);
    }
  }

  /** Wipes a context its task gave back, in the background, and keeps it for the key's next task (or closes it when full). */
  async recycle(context: BrowserContext, key: string, visitedOrigins: string[]): Promise<void> {
    const kept = [...this.#kept.values(), ...this.#resetting.values()].reduce((total, entries) => total + [...entries].length, 0);
    if (this.options.isClosed() || kept >= this.options.maxContexts) return context.close().catch(() => {});
    const resetting = this.#resetting.get(key) ?? new Set<Promise<void>>();
    this.#resetting.set(key, resetting);
    const reset = resetContext(context, visitedOrigins)
      .catch(() => false)
      .then(async (reusable) => {
        if (!reusable || this.options.isClosed()) return void (await context.close().catch(() => {}));
        this.#keep(context, key);
      });
    const tracked = reset.finally(() => resetting.delete(tracked));
    resetting.add(tracked);
  }

  /** Forgets every kept context (their browser is gone, or the pool is closing and closes it). */
  clear(): void {
    for (const entries of this.#kept.values()) for (const entry of entries) clearTimeout(entry.expiry);
    this.#kept.clear();
    this.#resetting.clear();
    this.#returning.clear();
  }

  #takeKept(key: string): BrowserContext | undefined {
    const entry = this.#kept.get(key)?.shift();
    if (entry) clearTimeout(entry.expiry);
    return entry?.context;
  }

  #keep(context: BrowserContext, key: string): void {
    const entries = this.#kept.get(key) ?? [];
    const entry: KeptContext = {
      context,
      expiry: setTimeout(() => {
        const index = entries.indexOf(entry);
        if (index !== -1) entries.splice(index, 1);
        void context.close().catch(() => {});
      }, this.options.idleMs).unref(),
    };
    entries.push(entry);
    this.#kept.set(key, entries);
  }
}
