import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  cheapestLondonParisFlight,
  findElementIndex,
  startFixtureServer,
  startScriptedModelServer,
  type FixtureServer,
  type ScriptedModelServer,
} from '@open-smooth/testkit';

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));

let fixtures: FixtureServer;
let model: ScriptedModelServer;
before(async () => {
  fixtures = await startFixtureServer();
  model = await startScriptedModelServer((request) => {
    const text = request.lastUserText;
    if (text.includes('/flights/results')) {
      const price = /£(\d+)/g;
      const prices = [...text.matchAll(price)].map((match) => Number(match[1]));
      return { toolCalls: [{ name: 'done', arguments: { output: { cheapest_price_gbp: Math.min(...prices.filter((value) => value > 0)) } } }] };
    }
    return {
      toolCalls: [
        { name: 'type', arguments: { index: findElementIndex(text, { role: 'textbox', name: 'From' }), text: 'London' } },
        { name: 'type', arguments: { index: findElementIndex(text, { role: 'textbox', name: 'To' }), text: 'Paris' } },
        { name: 'click', arguments: { index: findElementIndex(text, { role: 'button', name: 'Search' }) } },
      ],
    };
  });
});
after(async () => {
  await Promise.all([fixtures.close(), model.close()]);
});

function runCli(args: string[], environment: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('smooth run-task runs a task locally, shows progress per step and prints the JSON answer', async () => {
  const schema = JSON.stringify({ type: 'object', properties: { cheapest_price_gbp: { type: 'number' } }, required: ['cheapest_price_gbp'] });
  const { code, stdout, stderr } = await runCli(
    ['run-task', 'Find the cheapest flight from London to Paris', '--url', fixtures.url('/flights'), '--schema', schema, '--max-steps', '5', '--json'],
    model.environment(),
  );
  assert.equal(code, 0, stderr);
  const answer = JSON.parse(stdout.trim()) as { status: string; output: unknown; credits_used: number; steps: number };
  assert.equal(answer.status, 'done');
  assert.deepEqual(answer.output, { cheapest_price_gbp: cheapestLondonParisFlight.priceGbp });
  assert.equal(answer.steps, 2, stderr);
  assert.ok(answer.credits_used >= 1);
  assert.match(stderr, /step 1\/5 {2}type, type, click {2}http:\/\/127\.0\.0\.1:\d+\/flights/);
  assert.match(stderr, /step 2\/5 {2}done/);
});

test('smooth run-task without a configured model names the env vars to set', async () => {
  const cleared = Object.fromEntries(
    Object.keys(process.env).filter((name) => /^(SMOOTH_MODEL|SMOOTH_LITE_MODEL|OPENAI_|ANTHROPIC_|GOOGLE_)/.test(name)).map((name) => [name, '']),
  );
  const { code, stderr } = await runCli(['run-task', 'anything', '--json'], cleared);
  assert.equal(code, 2);
  assert.match(stderr, /SMOOTH_MODEL/);
  assert.match(stderr, /OPENAI_API_KEY/);
});

test('smooth run-task rejects a bad --max-steps with a clear message', async () => {
  const { code, stderr } = await runCli(['run-task', 'anything', '--max-steps', '500'], model.environment());
  assert.equal(code, 2);
  assert.match(stderr, /--max-steps must be a whole number from 2 to 128/);
});
