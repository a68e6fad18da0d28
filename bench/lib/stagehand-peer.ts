import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumExecutablePath, chromiumLaunchArgs } from '@open-smooth/browser';

/**
 * Stagehand (the peer) driven offline: its own CDP layer on Debian's Chromium, and an LLM client
 * that answers at once from the accessibility tree it was sent, so only Stagehand's own work is timed.
 * Stagehand lives in bench/peers/node_modules (installed apart so its zod ^4.2 range never moves
 * the product's pinned zod), hence the dynamic import by path and the narrow local types.
 */

const peersDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers');
const stagehandEntry = join(peersDirectory, 'node_modules', '@browserbasehq', 'stagehand', 'dist', 'esm', 'index.js');
const wsEntry = join(peersDirectory, 'node_modules', 'ws', 'wrapper.mjs');

/** What the instant model should pick next: an element by role and name, and the method to use on it. */
export interface StagehandTarget {
  role: string;
  name: string;
  method: 'click' | 'fill' | 'selectOptionFromDropdown' | 'press' | 'hover' | 'scrollTo';
  arguments: string[];
}

export interface StagehandPage {
  goto(url: string, options?: { waitUntil?: string }): Promise<unknown>;
  close(): Promise<void>;
  url(): string;
  evaluate<Result>(expression: string): Promise<Result>;
}

interface StagehandInstance {
  init(): Promise<void>;
  close(options?: { force?: boolean }): Promise<void>;
  observe(instruction: string): Promise<unknown[]>;
  act(instruction: string): Promise<{ success: boolean; message?: string }>;
  context: {
    pages(): StagehandPage[];
    activePage(): StagehandPage | undefined;
    clearCookies(): Promise<void>;
    newPage(url?: string): Promise<StagehandPage>;
  };
}

export interface StagehandPeer {
  page(): StagehandPage;
  /** Sets what the next model answer picks. */
  setTarget(target: StagehandTarget): void;
  observe(instruction: string): Promise<unknown[]>;
  act(instruction: string): Promise<{ success: boolean; message?: string }>;
  /** The accessibility tree Stagehand sent with its last model call (its observation). */
  lastTree(): string;
  /**
   * Starts a task like ours does, on a fresh page without cookies: a late navigation of the
   * previous task (e.g. a form submit) can then not replace the new task's page.
   */
  openFreshPage(url: string): Promise<void>;
  /** Milliseconds spent inside the instant model during the last call (to subtract). */
  lastModelMs(): number;
  close(): Promise<void>;
}

export class StagehandUnavailableError extends Error {
  override readonly name = 'StagehandUnavailableError';
}

const textEntryRoles = new Set(['textbox', 'searchbox', 'combobox']);

function sameRole(wanted: string, actual: string): boolean {
  return wanted === actual || (textEntryRoles.has(wanted) && textEntryRoles.has(actual));
}

/** `[0-12] button: Search` → id of the first line whose role and name fit (text-entry roles count as one). */
export function findTreeElementId(tree: string, role: string, name: string): string | undefined {
  const wantedRole = role.toLowerCase();
  const wantedName = name.toLowerCase();
  let partial: string | undefined;
  for (const line of tree.split('\n')) {
    const match = /\[(\d+-\d+)\]\s+([^:]+?)(?::\s*(.*))?$/.exec(line.trim());
    if (!match) continue;
    const [, elementId, lineRole, lineName] = match;
    if (!sameRole(wantedRole, lineRole?.toLowerCase() ?? '')) continue;
    const text = (lineName ?? '').trim().toLowerCase();
    if (text === wantedName) return elementId;
    if (partial === undefined && text.includes(wantedName)) partial = elementId;
  }
  return partial;
}

function treeFromMessages(messages: Array<{ role: string; content: unknown }>): string {
  const user = [...messages].reverse().find((message) => message.role === 'user');
  const content = typeof user?.content === 'string' ? user.content : '';
  const marker = 'Accessibility Tree: \n';
  const start = content.indexOf(marker);
  return start === -1 ? content : content.slice(start + marker.length).replace(/\n$/, '');
}

async function loadStagehand(): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(stagehandEntry).href)) as Record<string, unknown>;
  } catch (error) {
    throw new StagehandUnavailableError(
      `Stagehand is not installed (run: npm --prefix bench/peers install): ${(error as Error).message}`,
    );
  }
}

/** Starts Stagehand on its own headless Chromium with the same switches as ours. */
export async function startStagehandPeer(): Promise<StagehandPeer> {
  // Stagehand's CDP transport expects a global WebSocket, which Node 20 lacks.
  if (!('WebSocket' in globalThis) || globalThis.WebSocket === undefined) {
    const ws = (await import(pathToFileURL(wsEntry).href)) as { WebSocket: unknown };
    Object.assign(globalThis, { WebSocket: ws.WebSocket });
  }
  const stagehandModule = await loadStagehand();
  const LLMClientBase = stagehandModule.LLMClient as new (modelName: string) => object;
  const StagehandClass = stagehandModule.Stagehand as new (options: Record<string, unknown>) => StagehandInstance;

  let target: StagehandTarget | undefined;
  let tree = '';
  let modelMs = 0;

  class InstantLlmClient extends LLMClientBase {
    type = 'openai';
    hasVision = false;
    clientOptions = {};
    constructor() {
      super('gpt-4.1-mini');
    }
    async createChatCompletion(call: { options: { messages: Array<{ role: string; content: unknown }>; response_model?: { name: string } } }) {
      const started = performance.now();
      tree = treeFromMessages(call.options.messages);
      const elementId = target ? findTreeElementId(tree, target.role, target.name) : undefined;
      const element =
        elementId === undefined || target === undefined
          ? null
          : { elementId, description: `${target.role} ${target.name}`, method: target.method, arguments: target.arguments };
      const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
      const data =
        call.options.response_model?.name === 'act'
          ? { action: element, twoStep: false }
          : { elements: element === null ? [] : [element] };
      modelMs = performance.now() - started;
      return { data, usage };
    }
  }

  const stagehand = new StagehandClass({
    env: 'LOCAL',
    verbose: 0,
    disablePino: true,
    logger: () => {},
    selfHeal: false,
    disableAPI: true,
    llmClient: new InstantLlmClient(),
    localBrowserLaunchOptions: {
      executablePath: chromiumExecutablePath(),
      headless: true,
      args: [...chromiumLaunchArgs],
      viewport: { width: 1280, height: 800 },
    },
  });
  await stagehand.init();
  return {
    page() {
      const page = stagehand.context.activePage() ?? stagehand.context.pages()[0];
      if (!page) throw new StagehandUnavailableError('Stagehand has no page');
      return page;
    },
    setTarget(next) {
      target = next;
    },
    observe: (instruction) => stagehand.observe(instruction),
    act: (instruction) => stagehand.act(instruction),
    lastTree: () => tree,
    async openFreshPage(url) {
      const previous = stagehand.context.pages();
      await stagehand.context.clearCookies();
      await stagehand.context.newPage(url);
      await Promise.allSettled(previous.map((page) => page.close()));
    },
    lastModelMs: () => modelMs,
    close: () => stagehand.close({ force: true }),
  };
}
