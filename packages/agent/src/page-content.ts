import { IsolatedWorld, WorldCallError, WorldUnavailableError } from '@open-smooth/browser';
import type { Page } from 'playwright-core';

/** The page's content for extraction, and the links behind the short ids it uses. */
export interface PageContent {
  text: string;
  /** `L1` → URL, as the text writes them: `[link text](L1)`. */
  links: Map<string, string>;
  /** The content went past `maximumCharacters` and was cut (the text says so). */
  truncated: boolean;
}

interface DocumentContent {
  text: string;
  links: string[];
}

/**
 * Runs in a frame's isolated world (self-contained): the document's full text in reading order,
 * not only what is on screen: hidden-but-present content (collapsed sections, closed <details>,
 * inactive tabs) is included and marked "(hidden)", form values are given whole and exact, links
 * carry a short id instead of their URL, table rows are written | cell | cell |, open shadow roots are
 * read in place.
 */
function readDocumentContent(): DocumentContent {
  const skipped = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'HEAD']);
  const blocks = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'NAV', 'ASIDE', 'LI', 'UL', 'OL', 'TABLE', 'FORM', 'FIELDSET',
    'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'BLOCKQUOTE', 'DL', 'DT', 'DD', 'DETAILS', 'SUMMARY', 'FIGURE', 'FIGCAPTION', 'LABEL', 'BR', 'HR', 'TR', 'BODY']);
  const links: string[] = [];
  const lines: string[] = [];
  let current = '';
  const flush = () => {
    const line = current.replace(/[ \t\f\v]+/g, ' ').trim();
    if (line !== '') lines.push(line);
    current = '';
  };
  const isHidden = (element: Element): boolean => {
    if (element.hasAttribute('hidden') || element.getAttribute('aria-hidden') === 'true') return true;
    const style = element.ownerDocument.defaultView?.getComputedStyle(element);
    return style !== undefined && (style.display === 'none' || style.visibility === 'hidden');
  };
  const walk = (node: Node, hidden: boolean): void => {
    if (node.nodeType === Node.TEXT_NODE) {
      current += (node as Text).data;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const element = node as Element;
    const tag = element.tagName.toUpperCase();
    if (skipped.has(tag)) return;
    const nowHidden = hidden || isHidden(element);
    const block = blocks.has(tag) || tag === 'TD' || tag === 'TH';
    if (block && tag !== 'TD' && tag !== 'TH') flush();
    if (nowHidden && !hidden && block) current += '(hidden) ';
    if (tag === 'H1' || tag === 'H2' || tag === 'H3') current += '#'.repeat(Number(tag[1])) + ' ';
    if (tag === 'TR') current += '| ';
    if (tag === 'INPUT') {
      const input = element as HTMLInputElement;
      const type = input.type.toLowerCase();
      if (type === 'hidden' || type === 'password') return;
      const label = input.labels?.[0]?.textContent?.trim() || input.getAttribute('aria-label') || input.name || input.placeholder || type;
      const value = type === 'checkbox' || type === 'radio' ? (input.checked ? 'checked' : 'not checked') : JSON.stringify(input.value);
      current += ` [${label}: ${value}] `;
      return;
    }
    if (tag === 'TEXTAREA') {
      const area = element as HTMLTextAreaElement;
      flush();
      lines.push(`[${area.labels?.[0]?.textContent?.trim() || area.getAttribute('aria-label') || area.name || 'textarea'}: ${JSON.stringify(area.value)}]`);
      return;
    }
    if (tag === 'SELECT') {
      const select = element as HTMLSelectElement;
      current += ` [${select.getAttribute('aria-label') || select.name || 'select'}: ${Array.from(select.selectedOptions, (option) => JSON.stringify(option.text)).join(', ')}; options: ${Array.from(select.options, (option) => option.text.trim()).join(', ')}] `;
      return;
    }
    if (tag === 'IMG') {
      const alt = element.getAttribute('alt');
      if (alt) current += ` [image: ${alt}] `;
      return;
    }
    const isLink = tag === 'A' && element.hasAttribute('href');
    if (isLink) current += '[';
    const root = (element as HTMLElement).shadowRoot;
    for (const child of Array.from((root ?? element).childNodes)) walk(child, nowHidden);
    if (isLink) {
      const href = (element as HTMLAnchorElement).href;
      let id = links.indexOf(href);
      if (id < 0) id = links.push(href) - 1;
      current += `](L${id + 1})`;
    }
    if (tag === 'TD' || tag === 'TH') current += ' | ';
    if (block) flush();
  };
  walk(document.body ?? document.documentElement, false);
  flush();
  return { text: lines.join('\n'), links };
}

/**
 * The whole page as text for an extraction model: every frame our world reaches, in order,
 * cut at `maximumCharacters` with a marker that says so.
 */
export async function readPageContent(page: Page, maximumCharacters: number): Promise<PageContent> {
  const world = await IsolatedWorld.for(page);
  const frames = await world.frames();
  const source = `() => { const __name = (target) => target; return (${readDocumentContent.toString()})(); }`;
  const parts: string[] = [];
  const links = new Map<string, string>();
  for (const [position, frame] of frames.entries()) {
    let content: DocumentContent;
    try {
      content = await world.call<DocumentContent>(frame.frameId, source, null, { timeoutMs: 10_000 });
    } catch (error) {
      // A frame that went away or cannot be read is left out; the others still make the content.
      if (error instanceof WorldUnavailableError || error instanceof WorldCallError) continue;
      throw error;
    }
    // Each frame numbers its links from 1; make the ids unique across frames.
    const offset = links.size;
    content.links.forEach((url, index) => links.set(`L${offset + index + 1}`, url));
    const text = offset === 0 ? content.text : content.text.replace(/\]\(L(\d+)\)/g, (_match, id: string) => `](L${offset + Number(id)})`);
    if (text.trim() === '') continue;
    parts.push(position === 0 ? text : `--- frame ${frame.url} ---\n${text}`);
  }
  const text = parts.join('\n');
  if (text.length <= maximumCharacters) return { text, links, truncated: false };
  return {
    text: `${text.slice(0, maximumCharacters)}\n[content cut: first ${maximumCharacters} of ${text.length} characters]`,
    links,
    truncated: true,
  };
}
