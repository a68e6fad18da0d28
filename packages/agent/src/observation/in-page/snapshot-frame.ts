import type { BlockPosition, FrameSnapshot, ListenersNeeded, SnapshotBlock, SnapshotOptions } from '../frame-snapshot.js';
import type { InPageStore } from './reference-store.js';

interface WalkContext {
  depth: number;
  /** Emit text nodes as page text (false inside elements whose text became their name). */
  emitText: boolean;
  visible: boolean;
  insideInteractive: boolean;
  parentPointer: boolean;
  rect: DOMRect | null;
  /** The nearest hover trigger whose first interactive descendant should say `hover-menu`. */
  hoverMenu: { pending: boolean } | null;
  /** Inside an element whose click (etc.) listener serves its items (event delegation). */
  delegated: boolean;
}

/**
 * Runs inside a frame (bundled with the other in-page modules into one function source, see
 * in-page-bundle.ts): walks the flattened DOM (open shadow roots, slots) in document order and
 * returns text lines, numbered interactive elements and iframe placeholders. Runs in our isolated world: the built-ins it
 * calls are the world's own, whatever the page did to its own. Element references are kept in a
 * per-frame global of that world keyed by generation, never written into the DOM.
 */
export function snapshotFrame(options: SnapshotOptions, ...objects: Element[]): FrameSnapshot | ListenersNeeded {
  const globalScope = globalThis as unknown as Record<string, InPageStore | undefined>;
  const store = (globalScope[options.storeKey] ??= { generations: [] });
  const owners = objects.slice(0, options.ownerCount);
  const listenerElements = listenerElementsOf(objects.slice(options.ownerCount));
  if (!listenerElements) return { listenersNeeded: true, shadowRoots: store.pendingShadowRoots?.length ?? 0 };

  /**
   * Listeners are read through CDP (two round trips and a walk of the DOM in the browser), so the
   * list is kept and reused until the DOM changes: a page adds listeners along with the nodes or
   * attributes it changes. Style changes (motion) and text changes do not count.
   */
  function listenerElementsOf(given: Element[]): Set<Element> | null {
    let changes = store.changes;
    if (!changes) {
      const tracker: { count: number; observer: MutationObserver } = {
        count: 0,
        observer: new MutationObserver((records) => {
          if (records.some((record) => record.type !== 'attributes' || record.attributeName !== 'style')) tracker.count += 1;
        }),
      };
      tracker.observer.observe(document, { subtree: true, childList: true, attributes: true });
      changes = store.changes = tracker;
    }
    // Changes of this task not delivered to the observer yet count too.
    const undelivered = changes.observer.takeRecords();
    if (undelivered.some((record) => record.type !== 'attributes' || record.attributeName !== 'style')) changes.count += 1;
    if (options.listeners === 'given') {
      const elements = new Set(given);
      if (options.keep) store.listeners = { count: store.pendingRead?.count ?? -1, elements };
      store.pendingRead = undefined;
      store.pendingShadowRoots = undefined;
      return elements;
    }
    if (store.listeners && store.listeners.count === changes.count) return store.listeners.elements;
    // The open shadow roots, whose listeners CDP reports only when asked for each; watched for changes from now on.
    const shadowRoots: ShadowRoot[] = [];
    const visit = (root: Document | ShadowRoot): void => {
      const all = root.querySelectorAll('*');
      for (let position = 0; position < all.length; position += 1) {
        const shadowRoot = (all[position] as Element).shadowRoot;
        if (!shadowRoot) continue;
        shadowRoots.push(shadowRoot);
        changes.observer.observe(shadowRoot, { subtree: true, childList: true, attributes: true });
        visit(shadowRoot);
      }
    };
    visit(document);
    store.pendingRead = { count: changes.count };
    store.pendingShadowRoots = shadowRoots;
    return null;
  }

  const maxNameLength = 80;
  const maxTextLength = 400;
  const maxValueLength = 100;
  /** Values (what a field holds) are shown exactly up to this length, then cut with a marker. */
  const maxExactValueLength = 200;
  const maxCellLength = 80;
  const fewOptions = 8;
  const viewportWidth = window.innerWidth;
  const viewportHeight = window.innerHeight;
  const scrollingElement = document.scrollingElement ?? document.documentElement;
  const documentWidth = Math.max(scrollingElement.scrollWidth, viewportWidth);

  const skippedTags = new Set(['script', 'style', 'noscript', 'template', 'head', 'meta', 'link', 'title', 'option', 'datalist', 'object', 'embed']);
  const interactiveRoles = new Set([
    'button', 'link', 'checkbox', 'radio', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option',
    'switch', 'combobox', 'textbox', 'searchbox', 'slider', 'spinbutton', 'treeitem', 'gridcell',
  ]);
  const strongSelector =
    'a[href],area[href],button,input:not([type=hidden]),select,textarea,summary,[contenteditable=""],[contenteditable=true],' +
    '[draggable=true],' +
    [...interactiveRoles].map((role) => `[role=${role}]`).join(',');
  const plainInputTypes = new Set(['text', 'checkbox', 'radio', 'submit', 'button', 'reset', 'search']);

  // Elements with a click, mouse, pointer or key listener, found through CDP (see collect-page-blocks).
  const listenerTargets = listenerElements;
  const blocks: SnapshotBlock[] = [];
  const elements: Element[] = [];
  /** Controls listed as part of the item around them (see soleInnerControl). */
  const mergedControls = new Set<Element>();
  const hoverTriggerSelector = collectHoverTriggerSelector();
  // an open modal dialog makes the rest of the document inert (without an `inert` attribute)
  const modalDialog = (() => {
    try {
      return document.querySelector('dialog:modal');
    } catch {
      return null;
    }
  })();
  let pendingText = '';
  let pendingRect: DOMRect | null = null;
  let pendingDepth = 0;
  let pendingPrefix = '';

  function collapse(text: string): string {
    return text.replace(/\s+/g, ' ').trim();
  }

  function clip(text: string, length: number): string {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
  }

  function collectHoverTriggerSelector(): string {
    // Rules like `.menu:hover > ul { display: block }` reveal content on hover: their trigger
    // (`.menu`) is marked so the model knows to hover it.
    const triggers = new Set<string>();
    const visit = (rules: CSSRuleList): void => {
      for (const rule of Array.from(rules)) {
        if (rule instanceof CSSStyleRule) {
          const style = rule.style;
          if (!style.display && !style.visibility && !style.opacity && !style.maxHeight) continue;
          for (const part of rule.selectorText.split(',')) {
            const at = part.indexOf(':hover');
            if (at <= 0 || !/^\s*[\s>+~]\s*\S/.test(part.slice(at + 6))) continue;
            const trigger = part.slice(0, at).trim();
            try {
              document.querySelector(trigger);
              triggers.add(trigger);
            } catch {
              // not a selector on its own (e.g. ends in a combinator)
            }
          }
        } else if ('cssRules' in rule) {
          visit((rule as CSSGroupingRule).cssRules);
        }
      }
    };
    for (const sheet of Array.from(document.styleSheets)) {
      try {
        visit(sheet.cssRules);
      } catch {
        // cross-origin stylesheet: rules are not readable
      }
    }
    return [...triggers].join(',');
  }

  function positionOf(rect: DOMRect | null): BlockPosition {
    if (!rect) return 'viewport';
    if (rect.bottom <= 0) return 'above';
    if (rect.top >= viewportHeight) return 'below';
    return 'viewport';
  }

  function flush(): void {
    const text = collapse(pendingText);
    if (text) {
      blocks.push({ kind: 'text', depth: pendingDepth, position: positionOf(pendingRect), text: clip(pendingPrefix + text, maxTextLength) });
      pendingPrefix = '';
    }
    pendingText = '';
    pendingRect = null;
  }

  const textRange = document.createRange();

  function appendText(node: Node, context: WalkContext): void {
    const text = node.textContent ?? '';
    if (!/\S/.test(text)) {
      if (pendingText) pendingText += ' ';
      return;
    }
    if (!pendingText.trim()) {
      // where the line starts decides whether it is in the viewport; a big parent box would not tell
      textRange.selectNodeContents(node);
      const rect = textRange.getBoundingClientRect();
      pendingRect = rect.width > 0 || rect.height > 0 ? rect : context.rect;
      pendingDepth = context.depth;
    }
    pendingText += text;
  }

  function pushLine(text: string, rect: DOMRect, depth: number): void {
    flush();
    if (text) blocks.push({ kind: 'text', depth, position: positionOf(rect), text: clip(text, maxTextLength) });
  }

  function parentOf(element: Element): Element | null {
    if (element.parentElement) return element.parentElement;
    const parent = element.parentNode;
    return parent instanceof ShadowRoot ? parent.host : null;
  }

  function renderedText(element: Element): string {
    return collapse(element instanceof HTMLElement ? element.innerText : (element.textContent ?? ''));
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

  function labelsOf(element: Element): HTMLLabelElement[] {
    return 'labels' in element && element.labels ? Array.from(element.labels as NodeListOf<HTMLLabelElement>) : [];
  }

  function isFormControl(element: Element): boolean {
    return ['input', 'select', 'textarea'].includes(element.localName);
  }

  function accessibleName(element: Element, role: string): string {
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

  function implicitRole(element: Element, weak: boolean): string {
    const explicit = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0];
    if (explicit && explicit !== 'presentation' && explicit !== 'none' && explicit !== 'generic') return explicit;
    const tag = element.localName;
    if ((tag === 'a' || tag === 'area') && element.hasAttribute('href')) return 'link';
    if (tag === 'button' || tag === 'summary') return 'button';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'select') {
      const select = element as HTMLSelectElement;
      return select.multiple || select.size > 1 ? 'listbox' : 'combobox';
    }
    if (element instanceof HTMLInputElement) {
      switch (element.type) {
        case 'checkbox':
          return 'checkbox';
        case 'radio':
          return 'radio';
        case 'range':
          return 'slider';
        case 'number':
          return 'spinbutton';
        case 'search':
          return 'searchbox';
        case 'button':
        case 'submit':
        case 'reset':
        case 'image':
        case 'file':
          return 'button';
        default:
          return 'textbox';
      }
    }
    if (element instanceof HTMLElement && element.isContentEditable) return 'textbox';
    if (tag === 'a' && weak) return 'link';
    if (tag === 'img') return 'img';
    if (tag === 'li') return 'listitem';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    return weak ? 'clickable' : 'generic';
  }

  function shortHref(element: Element): string | null {
    const href = (element as HTMLAnchorElement).href;
    if (!href || typeof href !== 'string') return null;
    try {
      const url = new URL(href);
      if (url.protocol === 'javascript:') return null;
      if (url.origin === location.origin) {
        const path = url.pathname + url.search + url.hash;
        return clip(path, maxValueLength);
      }
      return clip(url.href, maxValueLength);
    } catch {
      return null;
    }
  }

  function quoted(text: string): string {
    return JSON.stringify(clip(collapse(text), maxValueLength));
  }

  /**
   * A value exactly as the field holds it (JSON-quoted, so leading and trailing spaces and line
   * breaks show); a long one is cut with a marker that says how much there is and how to read it all.
   */
  function exactValue(text: string): string {
    if (text.length <= maxExactValueLength) return JSON.stringify(text);
    return `${JSON.stringify(text.slice(0, maxExactValueLength))} [first ${maxExactValueLength} of ${text.length.toLocaleString('en-US')} chars: use read_value]`;
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
  function iconName(element: Element): string {
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

  function attributesOf(element: Element, role: string, name: string): string[] {
    const attributes: string[] = [];
    const add = (attribute: string | null | false | undefined): void => {
      if (attribute) attributes.push(attribute);
    };
    if (element instanceof HTMLInputElement) {
      const type = element.type;
      if (type === 'checkbox' || type === 'radio') {
        add(element.indeterminate ? 'mixed' : element.checked && 'checked');
      } else if (type === 'password') {
        add(element.value && 'filled');
      } else if (type === 'file') {
        const files = Array.from(element.files ?? []).map((file) => file.name);
        add(files.length > 0 && `files=${quoted(files.join(', '))}`);
      } else if (type === 'range') {
        add(`value=${element.value}`);
      } else if (!['submit', 'button', 'reset', 'image'].includes(type)) {
        add(element.value && `value=${exactValue(element.value)}`);
      }
      if (type === 'range' || type === 'number') {
        add(element.min && `min=${element.min}`);
        add(element.max && `max=${element.max}`);
      }
      if (!plainInputTypes.has(type)) add(`type=${type}`);
      if (element.multiple) add('multiple');
    } else if (element instanceof HTMLTextAreaElement) {
      add('textarea');
      add(element.value && `value=${exactValue(element.value)}`);
    } else if (element instanceof HTMLSelectElement) {
      const selected = Array.from(element.selectedOptions).map((option) => collapse(option.label || option.text));
      add(selected.length > 0 && `value=${quoted(selected.join(', '))}`);
      const options = Array.from(element.options).map((option) => collapse(option.label || option.text));
      if (options.length <= fewOptions) add(`options=${JSON.stringify(options.map((option) => clip(option, 40)))}`);
      else add(`options: ${options.length}`);
      if (element.multiple) add('multiple');
    } else if (element instanceof HTMLElement && element.isContentEditable) {
      add('contenteditable');
      const text = element.innerText;
      add(text && `value=${exactValue(text)}`);
    }
    const placeholder = collapse(element.getAttribute('placeholder') ?? '');
    if (placeholder && placeholder !== name) add(`placeholder=${quoted(placeholder)}`);
    if (isFormControl(element) && !name) {
      // The real attributes, each under its own word: a field's id is not its name.
      const fieldName = element.getAttribute('name');
      add(fieldName && `name=${quoted(fieldName)}`);
      add(element.id && `id=${quoted(element.id)}`);
    }
    // ARIA widgets: their value and range, their level in a tree.
    const valueNow = element.getAttribute('aria-valuenow');
    if (valueNow !== null && !(element instanceof HTMLInputElement)) {
      const valueText = element.getAttribute('aria-valuetext');
      add(valueText ? `value=${quoted(valueText)}` : `value=${valueNow}`);
      const valueMin = element.getAttribute('aria-valuemin');
      const valueMax = element.getAttribute('aria-valuemax');
      add(valueMin !== null && `min=${valueMin}`);
      add(valueMax !== null && `max=${valueMax}`);
    }
    if (role === 'treeitem' || role === 'row' || role === 'heading') {
      const level = element.getAttribute('aria-level');
      add(level && `level=${level}`);
    }
    if (role === 'combobox' && !(element instanceof HTMLSelectElement)) {
      const text = element instanceof HTMLInputElement ? '' : collapse(element.textContent ?? '');
      add(text && text !== name && `value=${quoted(text)}`);
    }
    const ariaChecked = element.getAttribute('aria-checked');
    if (ariaChecked === 'true') add('checked');
    if (ariaChecked === 'mixed') add('mixed');
    if (element.getAttribute('aria-selected') === 'true' || (role === 'option' && (element as HTMLOptionElement).selected)) add('selected');
    if (element.getAttribute('aria-pressed') === 'true') add('pressed');
    const expanded = element.getAttribute('aria-expanded');
    if (expanded === 'true') add('expanded');
    else if (expanded === 'false') add('collapsed');
    else if (element.localName === 'summary' && element.parentElement instanceof HTMLDetailsElement) {
      add(element.parentElement.open ? 'expanded' : 'collapsed');
    }
    const popup = element.getAttribute('aria-haspopup');
    if (popup && popup !== 'false' && expanded === null) add('haspopup');
    if (element.matches(':disabled') || element.getAttribute('aria-disabled') === 'true') add('disabled');
    if ((element as HTMLInputElement).readOnly === true || element.getAttribute('aria-readonly') === 'true') add('readonly');
    if ((element as HTMLInputElement).required === true || element.getAttribute('aria-required') === 'true') add('required');
    if (element.getAttribute('aria-invalid') === 'true' || safeMatches(element, ':user-invalid')) add('invalid');
    if (role === 'link') {
      const href = shortHref(element);
      add(href && `href=${href}`);
    }
    if (element.getAttribute('draggable') === 'true') add('draggable');
    return attributes;
  }

  function safeMatches(element: Element, selector: string): boolean {
    try {
      return element.matches(selector);
    } catch {
      return false;
    }
  }

  function isStrongInteractive(element: Element): boolean {
    const tag = element.localName;
    if ((tag === 'a' || tag === 'area') && element.hasAttribute('href')) return true;
    if (tag === 'button' || tag === 'select' || tag === 'textarea') return true;
    if (tag === 'input') return (element as HTMLInputElement).type !== 'hidden';
    if (tag === 'summary') return element.parentElement instanceof HTMLDetailsElement;
    const editable = element.getAttribute('contenteditable');
    if (editable !== null && editable !== 'false') return true;
    if (element.getAttribute('draggable') === 'true') return true;
    const role = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0] ?? '';
    return interactiveRoles.has(role);
  }

  function hasListener(element: Element): boolean {
    return element !== document.documentElement && element !== document.body && listenerTargets.has(element);
  }

  function hasActionData(element: Element): boolean {
    for (const attribute of Array.from(element.attributes)) {
      if (attribute.name.startsWith('data-') && !/^data-(testid|test|qa|cy)$/.test(attribute.name)) return true;
    }
    return false;
  }

  function isIconOnly(element: Element): boolean {
    return !collapse(element.textContent ?? '') && (element.matches('svg, img, i') || element.querySelector('svg, img, i') !== null || iconName(element) !== '');
  }

  /**
   * An item a delegated handler dispatches on (the handler sits on an ancestor and reads
   * `event.target.closest(...)`): it carries data attributes or is an icon, and holds no such item itself.
   */
  function isDelegatedItem(element: Element): boolean {
    if (!hasActionData(element) && !isIconOnly(element)) return false;
    const descendants = element.getElementsByTagName('*');
    for (let position = 0; position < descendants.length && position < 60; position += 1) {
      const descendant = descendants[position] as Element;
      if (hasActionData(descendant) && !isIconOnly(element)) return false;
    }
    return true;
  }

  /** Whether a listener on `element` serves items inside it (so the items are listed, not the container). */
  function servesItems(element: Element): boolean {
    const descendants = element.getElementsByTagName('*');
    for (let position = 0; position < descendants.length && position < 400; position += 1) {
      const descendant = descendants[position] as Element;
      if (hasListener(descendant) || isStrongInteractive(descendant) || hasActionData(descendant)) return true;
    }
    return false;
  }

  /** Whether something inside `element` can be acted on by itself (then it is listed on its own, never merged into `element`). */
  function hasSeparateTargets(element: Element): boolean {
    if (element.querySelector(strongSelector)) return true;
    const descendants = element.getElementsByTagName('*');
    for (let position = 0; position < descendants.length && position < 400; position += 1) {
      if (hasListener(descendants[position] as Element)) return true;
    }
    return false;
  }

  function isWeakInteractive(element: Element, pointer: boolean, context: WalkContext): boolean {
    if (context.insideInteractive) return false;
    if (element instanceof HTMLLabelElement && element.control) return false;
    if (element === document.body || element === document.documentElement) return false;
    if (element.hasAttribute('onclick')) return true;
    const tabIndex = element.getAttribute('tabindex');
    if (tabIndex !== null && Number(tabIndex) >= 0) return true;
    if (hasListener(element) && !servesItems(element)) return true;
    if (context.delegated && isDelegatedItem(element)) return true;
    if (pointer && !context.parentPointer) return !element.querySelector(strongSelector);
    return false;
  }

  /** Roles of an item in a composite widget, which pages often build around a link or button. */
  const itemRoles = new Set(['tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem']);

  function soleInnerControl(element: Element): Element | null {
    const role = (element.getAttribute('role') ?? '').trim().split(/\s+/)[0] ?? '';
    if (!itemRoles.has(role)) return null;
    const inside = element.querySelectorAll(strongSelector);
    if (inside.length !== 1) return null;
    const inner = inside[0] as Element;
    const innerRole = implicitRole(inner, false);
    if (innerRole !== 'link' && innerRole !== 'button') return null;
    const name = accessibleName(element, role);
    return name !== '' && accessibleName(inner, innerRole) === name ? inner : null;
  }

  function isHoverTrigger(element: Element): boolean {
    return hoverTriggerSelector !== '' && safeMatches(element, hoverTriggerSelector);
  }

  function visibleRect(element: Element): DOMRect {
    const rect = element.getBoundingClientRect();
    if (rect.width > 0 && rect.height > 0) return rect;
    // An inline wrapper of block content can measure empty while its children show.
    for (const child of Array.from(element.children)) {
      const childRect = child.getBoundingClientRect();
      if (childRect.width > 0 && childRect.height > 0) return childRect;
    }
    return rect;
  }

  /**
   * Hit-tests the element's visible centre (and a few inner points): `covered` when something
   * else is painted on top, `behind-ancestor` when only an ancestor answers (the element is
   * clipped by a scroll container, or ignores the pointer).
   */
  function hitTest(element: Element, rect: DOMRect): 'visible' | 'covered' | 'behind-ancestor' {
    const left = Math.max(rect.left, 0);
    const right = Math.min(rect.right, viewportWidth);
    const top = Math.max(rect.top, 0);
    const bottom = Math.min(rect.bottom, viewportHeight);
    if (left >= right || top >= bottom) return 'visible';
    const root = element.getRootNode() as Document | ShadowRoot;
    const probe = typeof root.elementFromPoint === 'function' ? root : document;
    const labels = labelsOf(element);
    const points: Array<[number, number]> = [
      [(left + right) / 2, (top + bottom) / 2],
      [left + (right - left) / 4, top + (bottom - top) / 4],
      [right - (right - left) / 4, bottom - (bottom - top) / 4],
    ];
    let result: 'covered' | 'behind-ancestor' = 'covered';
    for (const [x, y] of points) {
      const hit = probe.elementFromPoint(x, y);
      if (!hit || hit === element || element.contains(hit)) return 'visible';
      if (labels.some((label) => label === hit || label.contains(hit))) return 'visible';
      if (hit.contains(element)) result = 'behind-ancestor';
    }
    return result;
  }

  /** For an element hit-tested as covered: is it just scrolled out of a scroll container? */
  function clippedBy(element: Element, rect: DOMRect): 'scroll' | 'hidden' | null {
    const x = (rect.left + rect.right) / 2;
    const y = (rect.top + rect.bottom) / 2;
    for (let ancestor = parentOf(element); ancestor && ancestor !== document.documentElement && ancestor !== document.body; ancestor = parentOf(ancestor)) {
      const style = getComputedStyle(ancestor);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const box = ancestor.getBoundingClientRect();
      if (x < box.left || x > box.right || y < box.top || y > box.bottom) {
        return /auto|scroll/.test(style.overflowX + style.overflowY) ? 'scroll' : 'hidden';
      }
    }
    return null;
  }

  function emitElement(element: Element, target: Element, rect: DOMRect | null, context: WalkContext, extra: string[], weak: boolean): string {
    flush();
    const role = implicitRole(element, weak);
    const name = clip(accessibleName(element, role), maxNameLength);
    const attributes = attributesOf(element, role, name);
    if (context.hoverMenu?.pending) {
      context.hoverMenu.pending = false;
      attributes.push('hover-menu');
    }
    for (const attribute of extra) if (!attributes.includes(attribute)) attributes.push(attribute);
    const localIndex = elements.push(target) - 1;
    blocks.push({
      kind: 'element',
      depth: context.depth,
      position: positionOf(rect),
      localIndex,
      role,
      name,
      attributes,
      tagName: element.localName,
      ...(element instanceof HTMLInputElement ? { inputType: element.type } : {}),
    });
    return name;
  }

  /** Hidden checkboxes, radios and file inputs styled through their label stay usable via the label. */
  function emitHiddenControl(element: Element, context: WalkContext): void {
    if (!(element instanceof HTMLInputElement) || context.insideInteractive) return;
    const visibleLabel = labelsOf(element).find((label) => label.getClientRects().length > 0);
    if (element.type === 'file') {
      emitElement(element, element, visibleLabel?.getBoundingClientRect() ?? context.rect, context, visibleLabel ? [] : ['hidden'], false);
    } else if ((element.type === 'checkbox' || element.type === 'radio') && visibleLabel) {
      emitElement(element, visibleLabel, visibleLabel.getBoundingClientRect(), context, [], false);
    }
  }

  function childNodesOf(element: Element): Node[] {
    if (element instanceof HTMLSlotElement) {
      const assigned = element.assignedNodes({ flatten: true });
      if (assigned.length > 0) return assigned;
    }
    if (element.shadowRoot) return Array.from(element.shadowRoot.childNodes);
    if (element instanceof HTMLDetailsElement && !element.open) {
      return Array.from(element.children).filter((child) => child.localName === 'summary');
    }
    return Array.from(element.childNodes);
  }

  function walkChildren(element: Element, context: WalkContext): void {
    for (const child of childNodesOf(element)) walk(child, context);
  }

  function isRow(element: Element, display: string): boolean {
    return element.localName === 'tr' || display === 'table-row' || element.getAttribute('role') === 'row';
  }

  /** The texts of the row's cells. */
  function rowCells(row: Element): string[] {
    if (row instanceof HTMLTableRowElement) {
      // one innerText per row (cells come tab-separated) is much cheaper than one per cell
      return row.innerText.split('\t').map((text) => clip(collapse(text), maxCellLength));
    }
    const cells = Array.from(row.children).filter((cell) => {
      const display = getComputedStyle(cell).display;
      return display !== 'none' && (cell.localName === 'td' || cell.localName === 'th' || display === 'table-cell' || /cell|header/.test(cell.getAttribute('role') ?? ''));
    });
    return cells.map((cell) => clip(renderedText(cell), maxCellLength));
  }

  function cellsAreControls(cells: string[], inside: SnapshotBlock[]): boolean {
    const filled = cells.filter((text) => text);
    if (filled.length === 0 || filled.some((text) => text.length > 4)) return false;
    const names = inside.flatMap((block) => (block.kind === 'element' ? [block.name] : []));
    for (const text of filled) {
      const at = names.indexOf(text);
      if (at < 0) return false;
      names.splice(at, 1);
    }
    return true;
  }

  /** Content that is pixels only (a canvas, a large image): say it is there, and what shows it. */
  function pixelsLine(element: Element, rect: DOMRect): string | null {
    const size = `${Math.round(rect.width)}×${Math.round(rect.height)}`;
    if (element.localName === 'canvas') {
      return rect.width >= 40 && rect.height >= 40 ? `[canvas ${size}: drawn pixels, not text; a screenshot shows it]` : null;
    }
    const alt = collapse(element.getAttribute('alt') ?? '');
    if (alt && rect.width >= 64 && rect.height >= 64) return `[image ${quoted(alt)}]`;
    if (!alt && element.getAttribute('alt') === null && rect.width >= 160 && rect.height >= 120) return `[image ${size} without a description; a screenshot shows it]`;
    return null;
  }

  /** An inner scroll area that holds more than it shows: how much, and where, so the model knows to scroll it. */
  function scrollAreaLine(element: Element): string | null {
    const hiddenHeight = element.scrollHeight - element.clientHeight;
    if (hiddenHeight <= 8 || element.clientHeight < 40) return null;
    const above = Math.round(element.scrollTop);
    const below = Math.round(hiddenHeight - element.scrollTop);
    const parts = [above > 0 ? `${above}px above` : '', below > 0 ? `${below}px below` : ''].filter(Boolean).join(', ');
    if (!parts) return null;
    const label = collapse(element.getAttribute('aria-label') ?? '') || (element.id ? `#${element.id}` : '');
    return `[scroll area${label ? ` ${quoted(label)}` : ''}: more content ${parts}; scroll inside it to see it]`;
  }

  function headingLevel(element: Element): number {
    const match = /^h([1-6])$/.exec(element.localName);
    if (match) return Number(match[1]);
    if (element.getAttribute('role') === 'heading') return Number(element.getAttribute('aria-level') ?? 2) || 2;
    return 0;
  }

  function walk(node: Node, context: WalkContext): void {
    if (node.nodeType === Node.TEXT_NODE) {
      if (context.emitText && context.visible) appendText(node, context);
      return;
    }
    if (!(node instanceof Element)) return;
    const element = node;
    const tag = element.localName;
    if (skippedTags.has(tag)) return;
    if (element.getAttribute('aria-hidden') === 'true' || element.hasAttribute('inert')) return;
    if (modalDialog && !element.contains(modalDialog) && !modalDialog.contains(element)) return;
    const style = getComputedStyle(element);
    // computed-style getters are costly: read each property once
    const display = style.display;
    if (display === 'none') {
      if (tag === 'input') emitHiddenControl(element, context);
      return;
    }
    if (display === 'contents') {
      walkChildren(element, context);
      return;
    }
    if (tag === 'br') {
      flush();
      return;
    }
    const visible = style.visibility === 'visible';
    const rect = element.getBoundingClientRect();
    const tiny = rect.width <= 1 && rect.height <= 1;
    const clipsOverflow = style.overflowX !== 'visible' || style.overflowY !== 'visible';
    // A box collapsed to no height or width that clips its overflow (a closed accordion panel) shows nothing of its content.
    const collapsedBox = (rect.width <= 1 || rect.height <= 1) && clipsOverflow;
    if (collapsedBox || (tiny && (style.clip !== 'auto' || style.clipPath !== 'none'))) {
      // visually hidden (screen-reader-only) content
      if (tag === 'input') emitHiddenControl(element, context);
      return;
    }
    // off-canvas to the left/top (not reachable by scrolling) or right of a page that cannot scroll sideways
    if (rect.width > 0 && rect.height > 0 && (rect.right + window.scrollX <= 0 || rect.bottom + window.scrollY <= 0 || rect.left + window.scrollX >= documentWidth)) return;
    const block = /^(block|flex|grid|list-item|table|flow-root)/.test(display);
    if (block) flush();

    if (visible && context.emitText && (tag === 'canvas' || tag === 'img') && rect.width > 0) {
      const line = pixelsLine(element, rect);
      if (line) pushLine(line, rect, context.depth);
      if (tag === 'canvas') return;
    }
    if (visible && context.emitText && block && /auto|scroll/.test(style.overflowY) && element !== document.body && element !== document.documentElement) {
      const line = scrollAreaLine(element);
      if (line) pushLine(line, rect, context.depth);
    }

    if (tag === 'iframe' || tag === 'frame') {
      if (visible && rect.width > 0 && rect.height > 0) {
        flush();
        // A frame Chromium does not list (not loaded yet, or in another renderer) has no owner here.
        const ownerIndex = owners.indexOf(element);
        if (ownerIndex < 0) return;
        const source = (element as HTMLIFrameElement).src;
        let title = element.getAttribute('title') ?? element.getAttribute('name') ?? '';
        if (!title && source) {
          try {
            title = new URL(source).host;
          } catch {
            title = '';
          }
        }
        blocks.push({ kind: 'frame', depth: context.depth, position: positionOf(rect), ownerIndex, title: collapse(title) });
      }
      return;
    }

    const pointer = style.cursor === 'pointer';
    const childContext: WalkContext = { ...context, visible, rect, parentPointer: pointer };
    if (hasListener(element) && element !== document.body) childContext.delegated = true;
    const strong = isStrongInteractive(element) && !mergedControls.has(element);
    const hoverTrigger = !context.insideInteractive && isHoverTrigger(element);
    const weak = !strong && isWeakInteractive(element, pointer, context);
    if (hoverTrigger && !strong && !weak && element.querySelector(strongSelector)) {
      childContext.hoverMenu = { pending: true };
    }
    if (visible && (strong || weak || hoverTrigger)) {
      const box = visibleRect(element);
      let position = box;
      let shown = box.width > 0 && box.height > 0;
      const hit = shown ? hitTest(element, box) : 'visible';
      if (hit !== 'visible') {
        const clipped = clippedBy(element, box);
        // scrolled out of a scroll container: list it with what is below the fold
        if (clipped === 'scroll') position = new DOMRect(box.x, viewportHeight, box.width, box.height);
        else if (clipped === 'hidden' || hit === 'covered') shown = false;
      }
      if (!shown && strong) {
        // a hidden or covered control's label is not readable page text either
        childContext.emitText = false;
      }
      if (!shown && tag === 'input') {
        emitHiddenControl(element, context);
      } else if (shown && (strong || weak || !childContext.hoverMenu)) {
        // A tab (menu item, option…) whose one control inside is a link or button of the same
        // name is one control: listed once, as the tab with its state, clicked on the inner control.
        const inner = strong ? soleInnerControl(element) : null;
        if (inner) mergedControls.add(inner);
        const name = emitElement(element, inner ?? element, position, context, hoverTrigger && !childContext.hoverMenu ? ['hover-menu'] : [], weak || hoverTrigger);
        // Form controls have no readable children; others keep their text only when the name had to be cut.
        if (['select', 'textarea', 'input'].includes(tag)) return;
        // A clickable card with its own star or menu inside: those stay elements of their own.
        childContext.insideInteractive = strong || !hasSeparateTargets(element);
        childContext.hoverMenu = null;
        const fullText = name.endsWith('…');
        childContext.emitText = context.emitText && fullText;
        walkChildren(element, childContext);
        if (block) flush();
        return;
      }
    }

    const level = headingLevel(element);
    if (level > 0 && context.emitText) {
      pushLine(visible ? `${'#'.repeat(level)} ${clip(renderedText(element), maxTextLength)}` : '', rect, context.depth);
      walkChildren(element, { ...childContext, emitText: false, depth: context.depth + 1 });
      return;
    }
    if (context.emitText && isRow(element, display)) {
      const cells = visible ? rowCells(element) : [];
      pushLine(cells.some((text) => text) ? `| ${cells.join(' | ')} |` : '', rect, context.depth);
      const rowLine = blocks.length - 1;
      const firstInside = blocks.length;
      walkChildren(element, { ...childContext, emitText: false, depth: context.depth + 1 });
      // A row whose every filled cell is a short name of a control listed inside it (a calendar
      // week, a row of page numbers) would only say again what those lines say: it is left out.
      // Rows of longer texts keep their line, which groups their controls into rows.
      if (firstInside > rowLine && rowLine >= 0 && cellsAreControls(cells, blocks.slice(firstInside))) {
        blocks.splice(rowLine, 1);
        for (const inside of blocks.slice(rowLine)) inside.depth = Math.max(context.depth, inside.depth - 1);
      }
      return;
    }
    if (element instanceof HTMLLabelElement && element.control) childContext.emitText = false;
    const listItem = display === 'list-item' && context.emitText;
    if (listItem) pendingPrefix = '- ';
    walkChildren(element, childContext);
    if (block) flush();
    if (listItem) pendingPrefix = '';
  }

  const root = document.body ?? document.documentElement;
  walk(root, {
    depth: 0,
    emitText: true,
    visible: true,
    insideInteractive: false,
    parentPointer: false,
    rect: root.getBoundingClientRect(),
    hoverMenu: null,
    delegated: false,
  });
  flush();

  store.generations.push({
    id: options.generation,
    elements: elements.map((element) => new WeakRef(element)),
  });
  while (store.generations.length > options.keptGenerations) store.generations.shift();

  return {
    title: document.title,
    blocks,
    scroll: { y: Math.round(window.scrollY), height: Math.round(scrollingElement.scrollHeight), viewportHeight },
  };
}
