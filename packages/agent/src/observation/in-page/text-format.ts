// How page text and values are written into the observation: whitespace collapsed, clipped, quoted.

export const maxNameLength = 80;
export const maxTextLength = 400;
export const maxValueLength = 100;
/** Values (what a field holds) are shown exactly up to this length, then cut with a marker. */
const maxExactValueLength = 200;
export const maxCellLength = 80;

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** Short page text inside an attribute: collapsed, clipped, JSON-quoted. */
export function quoted(text: string): string {
  return JSON.stringify(clip(collapse(text), maxValueLength));
}

/**
 * A value exactly as the field holds it (JSON-quoted, so leading and trailing spaces and line
 * breaks show); a long one is cut with a marker that says how much there is and how to read it all.
 */
export function exactValue(text: string): string {
  if (text.length <= maxExactValueLength) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, maxExactValueLength))} [first ${maxExactValueLength} of ${text.length.toLocaleString('en-US')} chars: use read_value]`;
}
