/**
 * A user's script driven by the conformance client, run as its own Node process with the default
 * unhandled-rejection mode: an early error answer kills it, a dead handle leaves it without its
 * last line. Prints `RESULT <json>` when the script got to its end.
 * Usage: node --import tsx conformance-scenario.ts '<json ScenarioInput>'
 */
import { ConformanceClient, ConformanceCommandError } from './conformance-client.js';

export interface ScenarioInput {
  scenario: 'run-live-result' | 'session-flow' | 'command-errors' | 'no-model' | 'tool-round-trip';
  apiUrl: string;
  apiKey: string;
  siteUrl: string;
  /** Where the stagger falls: the client's own random, or always at one end of 0–1 s. */
  stagger: 'random' | 'shortest' | 'longest';
}

const input = JSON.parse(process.argv[2] ?? '{}') as ScenarioInput;
const staggers: number[] = [];
const random = (): number => {
  const value = input.stagger === 'shortest' ? 0 : input.stagger === 'longest' ? 0.999 : Math.random();
  staggers.push(value);
  return value;
};
const client = new ConformanceClient({ apiUrl: input.apiUrl, apiKey: input.apiKey, random });

/** A command that must fail: its error must be catchable (the process must not die first). */
async function expectFailure(work: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ConformanceCommandError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the command was expected to fail');
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; staggerMs: number }> {
  const staggersBefore = staggers.length;
  const started = performance.now();
  const value = await work();
  const staggerMs = staggers.slice(staggersBefore).reduce((sum, value) => sum + value * client.pollIntervalMs, 0);
  return { value, ms: performance.now() - started, staggerMs };
}

async function runScenario(): Promise<unknown> {
  switch (input.scenario) {
    case 'run-live-result': {
      const task = await client.run({ task: 'Say that the page is open', url: `${input.siteUrl}/flights` });
      const live = await timed(() => task.liveUrl());
      const result = await task.result(60_000);
      return { liveUrl: live.value, liveMs: live.ms, liveStaggerMs: live.staggerMs, status: result.status, output: result.output };
    }
    case 'session-flow': {
      const session = await client.session({ device: 'desktop' });
      const live = await timed(() => session.liveUrl());
      const goto = await session.goto(`${input.siteUrl}/flights`);
      const title = await session.evaluateJs('document.title');
      const closed = await session.close();
      const result = await session.result(30_000);
      return { liveUrl: live.value, liveMs: live.ms, liveStaggerMs: live.staggerMs, goto, title, closed, status: result.status };
    }
    case 'command-errors': {
      const session = await client.session({ device: 'desktop', allowed_urls: [`${input.siteUrl}/*`] });
      await session.liveUrl();
      const thrown = await expectFailure(() => session.evaluateJs('throw new Error("thrown by the page script")'));
      const blockedUrl = input.siteUrl.replace('127.0.0.1', 'localhost');
      const blocked = await expectFailure(() => session.goto(`${blockedUrl}/flights`));
      const after = await session.evaluateJs('(args) => args.a * args.b', { a: 6, b: 7 });
      await session.close();
      const result = await session.result(30_000);
      return { thrown, blocked, after, status: result.status };
    }
    case 'no-model': {
      const session = await client.session({ device: 'desktop' });
      const failed = await expectFailure(() => session.runTask('Find the cheapest flight'));
      const after = await session.evaluateJs('"still here"');
      await session.close();
      const result = await session.result(30_000);
      return { failed, after, status: result.status };
    }
    case 'tool-round-trip': {
      const inputs: unknown[] = [];
      const task = await client.run(
        {
          task: 'Log in with the one-time code',
          url: `${input.siteUrl}/flights`,
          custom_tools: [
            {
              name: 'get_code',
              description: 'Returns the one-time code sent to an email address',
              inputs: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
              output: 'The code',
            },
          ],
        },
        {
          get_code: async (toolInput, handle) => {
            inputs.push(toolInput);
            const title = await handle.evaluateJs('document.title');
            return `code 4242 on ${String((title as { output?: unknown }).output)}`;
          },
        },
      );
      const result = await task.result(60_000);
      return { inputs, status: result.status, output: result.output, error: result.error ?? null };
    }
  }
}

const outcome = await runScenario();
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
