import { createHash } from 'node:crypto';

export interface KeyedElement {
  tagName: string;
  role: string;
  name: string;
  inputType?: string;
}

/** What makes an element "the same" across page states: its kind and name, not its value or state. */
export function elementKey(element: KeyedElement): string {
  return `${element.tagName}|${element.inputType ?? ''}|${element.role}|${element.name}`;
}

/** A short stable hash of a list of elements in document order. */
export function elementListSignature(elements: KeyedElement[]): string {
  const hash = createHash('sha256');
  for (const element of elements) hash.update(`${elementKey(element)}\n`);
  return hash.digest('hex').slice(0, 16);
}
