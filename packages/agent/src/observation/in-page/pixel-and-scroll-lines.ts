import { collapse, quoted } from './text-format.js';

/** Content that is pixels only (a canvas, a large image): say it is there, and what shows it. */
export function pixelsLine(element: Element, rect: DOMRect): string | null {
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
export function scrollAreaLine(element: Element): string | null {
  const hiddenHeight = element.scrollHeight - element.clientHeight;
  if (hiddenHeight <= 8 || element.clientHeight < 40) return null;
  const above = Math.round(element.scrollTop);
  const below = Math.round(hiddenHeight - element.scrollTop);
  const parts = [above > 0 ? `${above}px above` : '', below > 0 ? `${below}px below` : ''].filter(Boolean).join(', ');
  if (!parts) return null;
  const label = collapse(element.getAttribute('aria-label') ?? '') || (element.id ? `#${element.id}` : '');
  return `[scroll area${label ? ` ${quoted(label)}` : ''}: more content ${parts}; scroll inside it to see it]`;
}
