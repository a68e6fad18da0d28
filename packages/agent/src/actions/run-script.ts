import { withTimeout } from '@open-smooth/browser';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';

const scriptTimeoutMs = 5_000;
const maximumOutputCharacters = 10_000;
const worldName = 'open-smooth-script';

interface EvaluateResponse {
  result: { type: string; value?: unknown; description?: string };
  exceptionDetails?: { text: string; exception?: { description?: string } };
}

/**
 * Runs the model's script in an isolated world of the top frame: it shares the page's DOM but
 * not its JavaScript, so it cannot call or be spied on by page code. A world of its own, not the
 * agent's (IsolatedWorld), so a script cannot disturb the element lookup the actions rely on.
 * Runtime.evaluate's timeout also stops a synchronous endless loop inside the renderer.
 */
async function runInIsolatedWorld(page: Page, script: string, signal: AbortSignal): Promise<unknown> {
  const session = await page.context().newCDPSession(page);
  try {
    const { frameTree } = (await session.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
    const { executionContextId } = (await session.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName })) as {
      executionContextId: number;
    };
    // The script is a function body: `return` gives the output; it may await.
    const expression = `(async () => {\n${script}\n})().then((value) => JSON.stringify(value === undefined ? null : value))`;
    const evaluation = session.send('Runtime.evaluate', {
      expression,
      contextId: executionContextId,
      awaitPromise: true,
      returnByValue: true,
      // Stops a synchronous endless loop inside the renderer too.
      timeout: scriptTimeoutMs,
    });
    const response = (await withTimeout(evaluation, {
      timeoutMs: scriptTimeoutMs,
      timeoutError: () => new ActionError(`the script ran longer than ${scriptTimeoutMs / 1000} s and was stopped`),
      signal,
    })) as EvaluateResponse;
    if (response.exceptionDetails) {
      const description = response.exceptionDetails.exception?.description ?? response.exceptionDetails.text;
      throw new ActionError(`the script threw: ${description.split('\n')[0]}`);
    }
    return response.result.value;
  } finally {
    await session.detach().catch(() => {
      // The page closed while the script ran; nothing is left to detach from.
    });
  }
}

export const runScriptAction = defineAction({
  name: 'run_script',
  description:
    'Run a short JavaScript function body against the current page (its DOM, not its own scripts; top frame only) and get back what it returns as JSON, e.g. `return [...document.querySelectorAll("tr")].map(r => r.innerText)`. Use it to read or transform many items at once. At most 5 s; output cut at 10,000 characters.',
  inputSchema: z.object({ script: z.string().min(1).max(20_000) }),
  async handler({ script }, context) {
    const json = await runInIsolatedWorld(context.taskContext.page, script, context.signal);
    await context.taskContext.waitForSettle({ signal: context.signal });
    const text = typeof json === 'string' ? json : 'null';
    return text.length > maximumOutputCharacters
      ? `${text.slice(0, maximumOutputCharacters)} [first ${maximumOutputCharacters} of ${text.length} characters: return less, or page through it]`
      : text;
  },
});
