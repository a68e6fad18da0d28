/** One interactive element line of the agent's observation text. */
export interface ObservedLine {
  index: number;
  role: string;
  /** The accessible name, unescaped. */
  name: string;
  /** Everything after the name, e.g. `value="London" checked href=/shop?page=2`. */
  attributes: string;
  /** Marked with a leading `*`: new since the last step. */
  isNew: boolean;
}

const elementLine = /^\s*(\*)?\[(\d+)\]\s+(\S+)(?:\s+"((?:[^"\\]|\\.)*)")?(.*)$/;

/** Names are JSON-escaped in the observation; fall back to the raw text if one is not. */
function unescapeName(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(`"${raw}"`);
    return typeof parsed === 'string' ? parsed : raw;
  } catch {
    return raw;
  }
}

/** The interactive elements listed in an observation, in order; page text lines are skipped. */
export function parseObservedElements(observationText: string): ObservedLine[] {
  const lines: ObservedLine[] = [];
  for (const line of observationText.split('\n')) {
    const match = elementLine.exec(line);
    if (!match) continue;
    const [, newMarker, index, role, name, attributes] = match;
    lines.push({
      index: Number(index),
      role: role ?? '',
      name: name === undefined ? '' : unescapeName(name),
      attributes: (attributes ?? '').trim(),
      isNew: newMarker === '*',
    });
  }
  return lines;
}

export interface ElementMatch {
  /** A string matches the role exactly (case-insensitive). */
  role?: string | RegExp;
  /** A string prefers an exact name (case-insensitive) and falls back to a name containing it. */
  name?: string | RegExp;
  attribute?: RegExp;
}

function matchesRole(line: ObservedLine, role: string | RegExp | undefined): boolean {
  if (role === undefined) return true;
  return typeof role === 'string' ? line.role.toLowerCase() === role.toLowerCase() : role.test(line.role);
}

/** The index of the first element that fits, or undefined when none does. */
export function findElementIndex(observationText: string, match: ElementMatch): number | undefined {
  const candidates = parseObservedElements(observationText).filter(
    (line) => matchesRole(line, match.role) && (match.attribute === undefined || match.attribute.test(line.attributes)),
  );
  const { name } = match;
  if (name === undefined) return candidates[0]?.index;
  if (name instanceof RegExp) return candidates.find((line) => name.test(line.name))?.index;
  const wanted = name.toLowerCase();
  const exact = candidates.find((line) => line.name.toLowerCase() === wanted);
  return (exact ?? candidates.find((line) => line.name.toLowerCase().includes(wanted)))?.index;
}
