import { Script } from 'node:vm';

/** True when `source` parses as one JavaScript expression (e.g. `document.title`, `(args) => ...`). */
function isExpression(source: string): boolean {
  try {
    new Script(`(${source}\n)`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns evaluate_js input into one expression for the page. Accepted forms: an expression; a
 * function (called with `args`); or a function body using `return` (as in smooth.sh's examples).
 */
export function evaluateJsExpression(js: string, args: Record<string, unknown> | null | undefined): string {
  const argsLiteral = JSON.stringify(args ?? {});
  if (isExpression(js)) {
    return `(async () => { const value = (${js}\n); return typeof value === 'function' ? await value(${argsLiteral}) : await value; })()`;
  }
  return `(async (args) => {\n${js}\n})(${argsLiteral})`;
}
