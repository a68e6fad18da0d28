import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '@open-smooth/server';
import { loopbackNetworkAllowance, type ScriptedModelRequest, type ScriptedReply } from '@open-smooth/testkit';
import { done, startEndToEnd, testApiKey, type EndToEnd } from './end-to-end-harness.js';
import type { ScenarioInput } from './support/conformance-scenario.js';

// The server against a client that polls exactly as the official TS client does (see
// support/conformance-client.ts), each script in its own Node process with the default
// unhandled-rejection mode: a crash or a dead handle fails the test.

const scenarioFile = fileURLToPath(new URL('./support/conformance-scenario.ts', import.meta.url));
let world: EndToEnd;
let modelless: RunningServer;
let modellessDirectory: string;

/** Calls the client's tool when the task offers it, then reports what it said; otherwise finishes at once. */
function policy(request: ScriptedModelRequest): ScriptedReply {
  const [toolResult] = request.lastToolResults;
  if (toolResult?.name === 'get_code') return done(request, `tool said: ${toolResult.content}`, null);
  if (request.tools.some((tool) => tool.name === 'get_code')) return { toolCalls: [{ name: 'get_code', arguments: { email: 'ada@example.com' } }] };
  return done(request, 'the page is open', null);
}

before(async () => {
  world = await startEndToEnd({ maxConcurrentTasks: 8 });
  world.model.setPolicy(policy);
  modellessDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-modelless-'));
  modelless = await startServer({ host: '127.0.0.1', port: 0, dataDirectory: modellessDirectory, apiKeys: [testApiKey], modelEnvironment: {}, maxConcurrentTasks: 4, allowPrivateNetwork: loopbackNetworkAllowance });
});
after(async () => {
  await modelless.close();
  await rm(modellessDirectory, { recursive: true, force: true });
  await world.close();
});

interface ScenarioRun {
  code: number | null;
  result: any;
  stderr: string;
}

/** Runs one script to its natural end (no process.exit in it); fails if it crashes or never finishes. */
function runScenario(scenario: ScenarioInput['scenario'], options: { stagger?: ScenarioInput['stagger']; server?: RunningServer } = {}): Promise<ScenarioRun> {
  const server = options.server ?? world.server;
  const input: ScenarioInput = {
    scenario,
    apiUrl: `${server.apiBaseUrl}v1`,
    apiKey: testApiKey,
    siteUrl: world.sites.url('').replace(/\/$/, ''),
    stagger: options.stagger ?? 'random',
  };
  return new Promise((resolve, reject) => {
    // The trace (every request, answer, sleep and disconnect, on stderr) shows in the message of a failure.
    const env = { ...process.env, CONFORMANCE_TRACE: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', scenarioFile, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${scenario} (${input.stagger}) hung: stdout ${stdout} stderr ${stderr}`));
    }, 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
      resolve({ code, result: line ? JSON.parse(line.slice('RESULT '.length)) : undefined, stderr });
    });
  });
}

function assertCompleted(run: ScenarioRun, what: string): void {
  if (run.code !== 0) process.stderr.write(`${what}:\n${run.stderr}\n`);
  assert.equal(run.code, 0, `${what} exited with ${run.code}:\n${run.stderr}`);
  assert.ok(run.result, `${what} never reached its end (a dead handle): ${run.stderr}`);
}

test('run → liveUrl → result completes; liveUrl on a fresh task takes under a second besides the client\'s own stagger', async () => {
  const run = await runScenario('run-live-result');
  assertCompleted(run, 'run-live-result');
  assert.equal(run.result.status, 'done');
  assert.equal(run.result.output, 'the page is open');
  assert.match(run.result.liveUrl, /\/live\/task_/);
  assert.ok(run.result.liveMs - run.result.liveStaggerMs < 1000, `liveUrl took ${Math.round(run.result.liveMs)} ms with a ${Math.round(run.result.liveStaggerMs)} ms stagger`);
});

test('session → liveUrl → goto → evaluateJs → close completes', async () => {
  const run = await runScenario('session-flow');
  assertCompleted(run, 'session-flow');
  assert.equal(run.result.status, 'done');
  assert.equal(typeof run.result.goto.duration, 'number');
  assert.match(String(run.result.title.output), /SkyHop/);
  assert.equal(run.result.closed.output, true);
  assert.ok(run.result.liveMs - run.result.liveStaggerMs < 1000, `liveUrl took ${Math.round(run.result.liveMs)} ms`);
});

test('an evaluateJs that throws and a goto outside allowed_urls are catchable errors, at either end of the stagger', async () => {
  const runs = await Promise.all((['shortest', 'longest', 'random'] as const).map((stagger) => runScenario('command-errors', { stagger })));
  for (const run of runs) {
    assertCompleted(run, 'command-errors');
    assert.equal(run.result.thrown.code, 400);
    assert.match(run.result.thrown.message, /thrown by the page script/);
    assert.equal(run.result.blocked.code, 400);
    assert.match(run.result.blocked.message, /allowed_urls|not allowed|blocked/i);
    assert.equal(run.result.after.output, 42);
    assert.equal(run.result.status, 'done');
  }
});

test('runTask with no model configured is a catchable error that says how to configure one', async () => {
  const runs = await Promise.all((['shortest', 'longest'] as const).map((stagger) => runScenario('no-model', { stagger, server: modelless })));
  for (const run of runs) {
    assertCompleted(run, 'no-model');
    assert.ok([400, 500].includes(run.result.failed.code));
    assert.match(run.result.failed.message, /SMOOTH_MODEL|OPENAI_API_KEY|model/i);
    assert.equal(run.result.after.output, 'still here');
    assert.equal(run.result.status, 'done');
  }
});

test('a custom tool call makes the round trip: the client runs it, drives the page from it, and the agent uses its answer', async () => {
  const run = await runScenario('tool-round-trip');
  assertCompleted(run, 'tool-round-trip');
  assert.equal(run.result.status, 'done', run.result.error ?? '');
  assert.deepEqual(run.result.inputs, [{ email: 'ada@example.com' }]);
  assert.match(String(run.result.output), /tool said: code 4242 on SkyHop/);
});
