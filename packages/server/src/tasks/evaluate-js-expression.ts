import { Script } from 'node:vm';
import type { PageScript } from '@open-smooth/browser';

/** True when `source` compiles as written (only compiled here, never run). */
function compiles(source: string): boolean {
  try {
    new Script(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns evaluate_js input into code for the page. Accepted forms: an expression; a function
 * (called with `args`); statements, whose last value is the result (as in a console); or a
 * function body using `return` (as in smooth.sh's examples).
 */
export function evaluateJsExpression(js: string, args: Record<string, unknown> | null | undefined): PageScript {
  const argsLiteral = JSON.stringify(args ?? {});
  if (compiles(`(${js}\n)`)) {
    return { expression: `(async () => { const value = (${js}\n); return typeof value === 'function' ? await value(${argsLiteral}) : await value; })()` };
  }
  // A block keeps `let`/`const` from clashing with the same names in a later call.
  if (compiles(`{\n${js}\n}`)) return { program: `{\n${js}\n}` };
  return { expression: `(async (args) => {\n${js}\n})(${argsLiteral})` };
}
