import { isFormControl, labelsOf, parentOf, renderedText, safeMatches } from './dom-tree.js';
import { collapse } from './text-format.js';

/**
 * The name a person would read for the element: what ARIA or a label gives it, else its text,
 * alt text, title or placeholder, else (a nameless icon button) a tooltip attribute, an SVG title,
 * the words of its icon, or its row.
 */
export function accessibleName(element: Element, role: string): string {
  const labelledBy = element.getAttribute('aria-labelledby');
  if (labelledBy) {
    const text = textByIds(element, labelledBy);
    if (text) return text;
  }
  const ariaLabel = collapse(element.getAttribute('aria-label') ?? '');
  if (ariaLabel) return ariaLabel;
  if (isFormControl(element)) {
    const text = collapse(labelsOf(element).map((label) => labelText(label, element)).join(' '));
    if (text) return text;
    if (element instanceof HTMLInputElement) {
      if (['submit', 'button', 'reset'].includes(element.type)) {
        return collapse(element.value) || (element.type === 'submit' ? 'Submit' : element.type === 'reset' ? 'Reset' : '');
      }
      if (element.type === 'image') return collapse(element.alt || element.value);
    }
  } else if (!(element instanceof HTMLElement && element.isContentEditable) && role !== 'textbox') {
    const alt = element.getAttribute('alt');
    if (alt) return collapse(alt);
    const text = role === 'treeitem' ? ownTreeItemText(element) : renderedText(element);
    // A count beside an icon (a heart and "12") says how many, not what the control does.
    if (text && /^\d{1,3}(?:[.,]\d)?[kKmM+]?$/.test(text)) {
      const icon = iconName(element);
      if (icon) return `${icon} ${text}`;
    }
    if (text) return text;
    const described = element.querySelector('img[alt]:not([alt=""]), [aria-label], svg title');
    if (described) {
      const text = collapse(described.getAttribute('alt') ?? described.getAttribute('aria-label') ?? described.textContent ?? '');
      if (text) return text;
    }
  }
  const title = collapse(element.getAttribute('title') ?? '');
  if (title) return title;
  const placeholder = collapse(element.getAttribute('placeholder') ?? element.getAttribute('aria-placeholder') ?? element.getAttribute('data-placeholder') ?? '');
  if (placeholder) return placeholder;
  if (isFormControl(element)) return '';
  // Nameless (icon buttons): a tooltip attribute, an inner SVG title, the icon's words, then its place.
  for (const attribute of ['data-tooltip', 'data-title', 'data-original-title', 'data-label', 'aria-description']) {
    const text = collapse(element.getAttribute(attribute) ?? '');
    if (text) return text;
  }
  const svgTitle = collapse(element.querySelector('svg title')?.textContent ?? '');
  if (svgTitle) return svgTitle;
  return iconName(element) || positionName(element);
}

/** Text of a label without the text of the control it wraps (a select's options, say). */
function labelText(label: Element, control: Element): string {
  let text = '';
  const visit = (node: Node): void => {
    if (node === control) return;
    if (node.nodeType === Node.TEXT_NODE) text += node.textContent ?? '';
    if (!(node instanceof Element)) return;
    if (['select', 'textarea', 'script', 'style'].includes(node.localName)) return;
    if (node.getAttribute('aria-hidden') === 'true') return;
    if (node instanceof HTMLElement && getComputedStyle(node).display === 'none') return;
    node.childNodes.forEach(visit);
    if (node instanceof HTMLElement && getComputedStyle(node).display !== 'inline') text += ' ';
  };
  visit(label);
  return collapse(text);
}

/** A tree item's own label, without the items of its nested group (an open folder is named "Finance", not "Finance 2024 2025"). */
function ownTreeItemText(item: Element): string {
  let text = '';
  for (const child of Array.from(item.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) text += child.textContent ?? '';
    else if (child instanceof Element && !safeMatches(child, '[role=group], [role=tree], [role=treeitem], ul, ol')) text += ` ${renderedText(child)} `;
  }
  return collapse(text);
}

function textByIds(element: Element, ids: string): string {
  const root = element.getRootNode() as Document | ShadowRoot;
  return collapse(
    ids
      .split(/\s+/)
      .map((id) => {
        const target = root.getElementById(id) ?? document.getElementById(id);
        return target ? renderedText(target) || collapse(target.textContent ?? '') : '';
      })
      .join(' '),
  );
}

const iconVocabulary = new Set([
  'star', 'favorite', 'favourite', 'heart', 'like', 'unlike', 'trash', 'delete', 'remove', 'bin', 'close', 'dismiss', 'more', 'menu',
  'kebab', 'ellipsis', 'dots', 'overflow', 'reply', 'forward', 'share', 'retweet', 'repost', 'comment', 'edit', 'pencil', 'search',
  'settings', 'gear', 'cog', 'add', 'plus', 'minus', 'bold', 'italic', 'underline', 'strikethrough', 'undo', 'redo', 'save',
  'download', 'upload', 'copy', 'paste', 'cut', 'link', 'unlink', 'image', 'attach', 'attachment', 'send', 'archive', 'flag',
  'bookmark', 'refresh', 'reload', 'print', 'expand', 'collapse', 'chevron', 'caret', 'left', 'right', 'up', 'down', 'next',
  'prev', 'previous', 'back', 'play', 'pause', 'stop', 'mute', 'unmute', 'volume', 'filter', 'sort', 'home', 'user', 'profile',
  'bell', 'notification', 'notifications', 'mail', 'email', 'inbox', 'folder', 'file', 'lock', 'unlock', 'eye', 'hide', 'show',
  'info', 'help', 'warning', 'check', 'cancel', 'calendar', 'clock', 'pin', 'tag', 'list', 'grid', 'zoom', 'fullscreen', 'align',
  'center', 'justify', 'quote', 'code', 'table', 'mention', 'emoji', 'smile', 'spam', 'report', 'mark', 'read', 'unread',
  'new', 'compose', 'open', 'rename', 'move', 'duplicate', 'drag', 'handle', 'x',
]);

function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 0);
}

/** Words of an icon's class, id or action attributes (`fa-star`, `icon_trash`, `data-action="reply"`) that name what it does. */
export function iconName(element: Element): string {
  const words: string[] = [];
  const take = (node: Element): void => {
    for (const attribute of ['data-action', 'data-act', 'data-command', 'data-cmd', 'data-op', 'data-tool', 'data-icon', 'data-name']) {
      const value = node.getAttribute(attribute);
      if (value) words.push(...wordsOf(value).filter((word) => word.length > 1));
    }
    const source = `${node.id} ${typeof node.className === 'string' ? node.className : (node.getAttribute('class') ?? '')}`;
    for (const word of wordsOf(source)) if (iconVocabulary.has(word)) words.push(word === 'x' ? 'close' : word);
  };
  take(element);
  const inner = element.querySelectorAll('svg, i, img, span, use');
  for (let position = 0; position < inner.length && position < 6; position += 1) take(inner[position] as Element);
  const href = element.querySelector('use')?.getAttribute('href') ?? element.querySelector('use')?.getAttribute('xlink:href');
  if (href) for (const word of wordsOf(href)) if (iconVocabulary.has(word)) words.push(word);
  return [...new Set(words)].slice(0, 3).join(' ');
}

/** Where a nameless element sits, so the model can still tell it apart: "in row 3". */
function positionName(element: Element): string {
  for (let ancestor = parentOf(element), hops = 0; ancestor && hops < 6; ancestor = parentOf(ancestor), hops += 1) {
    const role = ancestor.getAttribute('role');
    if (ancestor.localName === 'tr' || ancestor.localName === 'li' || ancestor.localName === 'article' || role === 'row' || role === 'listitem' || role === 'article') {
      const siblings = ancestor.parentElement ? Array.from(ancestor.parentElement.children).filter((child) => child.localName === ancestor.localName) : [ancestor];
      return `in row ${siblings.indexOf(ancestor) + 1}`;
    }
  }
  return '';
}
