import { countTokens } from './count-tokens.js';
import { elementKey, elementListSignature } from './element-key.js';
import type { Observation, ObservedElement } from './observation.js';
import type { PageBlock, PageElementBlock } from './page-block.js';
import type { PageSnapshot } from './collect-page-blocks.js';
import type { BlockPosition } from './frame-snapshot.js';

/** Room kept for the "left out" line so adding it never breaks the budget. */
const noticeReserve = 60;

export interface RenderOptions {
  url: string;
  snapshot: PageSnapshot;
  tokenBudget: number;
  previous?: Observation | undefined;
}

interface Candidate {
  block: PageBlock;
  isNew: boolean;
  cost?: number;
}

/**
 * Turns the page's blocks into the text the model reads, spending the token budget
 * viewport-first, then below the fold in document order, then above it nearest first.
 */
export function renderObservation(options: RenderOptions): Observation {
  const { snapshot, tokenBudget } = options;
  const header = [`url: ${options.url}`, `title: ${snapshot.title}`, scrollLine(snapshot.scroll)].filter((line) => line !== null).join('\n');
  const candidates = markNew(snapshot.blocks, options.previous);
  const available = tokenBudget - countTokens(`${header}\n`) - noticeReserve;
  // Most pages fit whole: then no line needs counting (tokenizing runs on the server's event loop).
  const selected = fitsWhole(candidates, available) ? candidates.map((_, index) => index) : selectWithinBudget(candidates, available);

  let rendered = render(options.url, header, candidates, selected, snapshot);
  // Lines counted one by one can differ slightly from the joined text: drop from the end of the selection until it fits.
  while (rendered.observation.tokens > tokenBudget && selected.length > 0) {
    const excess = rendered.observation.tokens - tokenBudget;
    selected.splice(Math.max(0, selected.length - Math.max(1, Math.ceil(excess / 20))));
    rendered = render(options.url, header, candidates, selected, snapshot);
  }
  return rendered.observation;
}

function markNew(blocks: PageBlock[], previous: Observation | undefined): Candidate[] {
  const seen = new Map<string, number>();
  for (const element of previous?.elements ?? []) {
    const key = elementKey(element);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return blocks.map((block) => {
    if (block.kind !== 'element' || !previous) return { block, isNew: false };
    const key = elementKey(block);
    const count = seen.get(key) ?? 0;
    if (count > 0) seen.set(key, count - 1);
    return { block, isNew: count === 0 };
  });
}

/** An o200k token is at least one UTF-8 byte, so text of at most `available` bytes fits `available` tokens. */
function fitsWhole(candidates: Candidate[], available: number): boolean {
  let bytes = 0;
  for (const candidate of candidates) {
    bytes += Buffer.byteLength(lineOf(candidate, 9_999)) + 2 * candidate.block.depth + 1;
    if (bytes > available) return false;
  }
  return true;
}

function costOf(candidate: Candidate): number {
  candidate.cost ??= countTokens(`${lineOf(candidate, 999)}\n`);
  return candidate.cost;
}

/** Indices into `candidates`, in the order they were chosen. */
const continuationName = /^(?:(?:next|previous|prev|older|newer|more|load more|show more|see more|view more|show all|next page|previous page|page \d+)\b.{0,30}|\d{1,4}|[‹›«»<>…]+)$/i;
const maximumContinuations = 12;

function selectWithinBudget(candidates: Candidate[], available: number): number[] {
  const selected: number[] = [];
  let used = 0;
  const tryAdd = (index: number): boolean => {
    const candidate = candidates[index];
    if (!candidate) return false;
    const cost = costOf(candidate);
    if (used + cost > available) return false;
    used += cost;
    selected.push(index);
    return true;
  };
  const indicesWhere = (test: (block: PageBlock) => boolean): number[] =>
    candidates.flatMap((candidate, index) => (test(candidate.block) ? [index] : []));

  // In the viewport: every element first, then the text; skip what does not fit, keep trying the rest.
  for (const index of indicesWhere((block) => block.position === 'viewport' && block.kind === 'element')) tryAdd(index);
  for (const index of indicesWhere((block) => block.position === 'viewport' && block.kind === 'text')) tryAdd(index);
  // Controls that continue the content (Next, Load more, page numbers) sit at its end, where a cut
  // budget would drop them; they are what the agent needs to reach the rest, so they come next.
  const continuations = indicesWhere((block) => block.position !== 'viewport' && block.kind === 'element' && continuationName.test(block.name));
  for (const index of continuations.slice(0, maximumContinuations)) tryAdd(index);
  // Outside it, stop at the first block that does not fit so what is shown stays contiguous.
  for (const index of indicesWhere((block) => block.position === 'below')) if (!tryAdd(index)) break;
  for (const index of indicesWhere((block) => block.position === 'above').reverse()) if (!tryAdd(index)) break;
  return selected;
}

function lineOf(candidate: Candidate, index: number): string {
  const { block } = candidate;
  if (block.kind === 'text') {
    // page text must never parse as an element line
    return /^\*?\[\d+\]/.test(block.text) ? `\\${block.text}` : block.text;
  }
  return elementLine(block, index, candidate.isNew);
}

function elementLine(block: PageElementBlock, index: number, isNew: boolean): string {
  const name = block.name ? ` ${JSON.stringify(block.name)}` : '';
  const attributes = block.attributes.length > 0 ? ` ${block.attributes.join(' ')}` : '';
  return `${isNew ? '*' : ''}[${index}] ${block.role}${name}${attributes}`;
}

/** Where the viewport is, only when the page is taller than it: on a page that fits, the line would say nothing. */
function scrollLine(scroll: PageSnapshot['scroll']): string | null {
  const below = scroll.height - (scroll.y + scroll.viewportHeight);
  const parts: string[] = [];
  if (scroll.y > 0) parts.push(`${scroll.y}px above`);
  if (below > 0) parts.push(`${below}px below`);
  return parts.length > 0 ? `[page continues ${parts.join(', ')} the viewport]` : null;
}

function render(
  url: string,
  header: string,
  candidates: Candidate[],
  selected: number[],
  snapshot: PageSnapshot,
): { observation: Observation } {
  const included = new Set(selected);
  const lines = [header];
  const elements: ObservedElement[] = [];
  const omitted = { above: { elements: 0, lines: 0 }, viewport: { elements: 0, lines: 0 }, below: { elements: 0, lines: 0 } };
  for (const [position, candidate] of candidates.entries()) {
    const { block } = candidate;
    if (!included.has(position)) {
      omitted[block.position][block.kind === 'element' ? 'elements' : 'lines'] += 1;
      continue;
    }
    const indent = '  '.repeat(block.depth);
    if (block.kind === 'text') {
      lines.push(indent + lineOf(candidate, 0));
      continue;
    }
    const index = elements.length + 1;
    const line = elementLine(block, index, candidate.isNew);
    lines.push(indent + line);
    const element: ObservedElement = {
      index,
      role: block.role,
      name: block.name,
      line,
      frameUrl: block.frameUrl,
      inViewport: block.position === 'viewport',
      isNew: candidate.isNew,
      tagName: block.tagName,
      ...(block.inputType !== undefined ? { inputType: block.inputType } : {}),
      reference: { frameId: block.frameId, generation: block.generation, localIndex: block.localIndex },
    };
    elements.push(element);
  }
  const notice = omittedNotice(omitted);
  if (notice) lines.push(notice);
  const text = lines.join('\n');
  const allElements = candidates.flatMap((candidate) => (candidate.block.kind === 'element' ? [candidate.block] : []));
  return {
    observation: {
      url,
      title: snapshot.title,
      text,
      tokens: countTokens(text),
      elements,
      signature: elementListSignature(allElements),
      truncated: notice !== '',
      scroll: snapshot.scroll,
    },
  };
}

type OmittedCounts = Record<BlockPosition, { elements: number; lines: number }>;

function omittedNotice(omitted: OmittedCounts): string {
  const describe = (counts: { elements: number; lines: number }, where: string): string | null => {
    const parts: string[] = [];
    if (counts.elements > 0) parts.push(`${counts.elements} element${counts.elements === 1 ? '' : 's'}`);
    if (counts.lines > 0) parts.push(`${counts.lines} text line${counts.lines === 1 ? '' : 's'}`);
    return parts.length > 0 ? `${parts.join(' and ')} ${where}` : null;
  };
  const parts = [
    describe(omitted.viewport, 'in the viewport'),
    describe(omitted.below, 'below the viewport'),
    describe(omitted.above, 'above the viewport'),
  ].filter((part): part is string => part !== null);
  if (parts.length === 0) return '';
  return `[… left out to fit the page view: ${parts.join('; ')}. Scroll to see them.]`;
}
