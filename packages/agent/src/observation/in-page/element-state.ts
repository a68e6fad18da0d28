import { isFormControl, safeMatches } from './dom-tree.js';
import { clip, collapse, exactValue, maxValueLength, quoted } from './text-format.js';

const plainInputTypes = new Set(['text', 'checkbox', 'radio', 'submit', 'button', 'reset', 'search']);

const fewOptions = 8;

/** The element's state as terse attributes (`value="x"`, `checked`, `expanded`, `href=/a`, …). */
export function attributesOf(element: Element, role: string, name: string): string[] {
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
