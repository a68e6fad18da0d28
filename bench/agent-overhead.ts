import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { modelSettingsFromEnvironment, resolveModel, runAgentTask } from '@open-smooth/agent';
import { BrowserPool, type TaskContext } from '@open-smooth/browser';
import { isQuickMode, iterations } from './lib/bench-options.js';
import { ratioOf, type BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { startStagehandPeer, type StagehandPeer, type StagehandTarget } from './lib/stagehand-peer.js';
import { rounded, summarize } from './lib/statistics.js';
import { findElementIndex, loopbackNetworkAllowance, startFixtureServer, startScriptedModelServer, type ScriptedModelRequest, type ScriptedReply } from './lib/testkit.js';

/**
 * Issue 4, item 2: the agent's own time per step with a model that answers at once, beside
 * Stagehand doing the same observe and act on the same pages with an instant model.
 */

interface TaskStep {
  role: string;
  name: string;
  /** Text to type; a click when absent. */
  text?: string;
  /** Stagehand's instruction for the same step. */
  instruction: string;
}

interface FixtureTask {
  path: string;
  steps: TaskStep[];
}

const fixtureTasks: FixtureTask[] = [
  {
    path: '/flights',
    steps: [
      { role: 'textbox', name: 'From', text: 'London', instruction: 'type London into the From field' },
      { role: 'textbox', name: 'To', text: 'Paris', instruction: 'type Paris into the To field' },
      { role: 'button', name: 'Search', instruction: 'click the Search button' },
    ],
  },
  {
    path: '/login',
    steps: [
      { role: 'textbox', name: 'Username', text: 'ada.lovelace', instruction: 'type ada.lovelace into the Username field' },
      { role: 'textbox', name: 'Password', text: 'Analytical-Engine-1843', instruction: 'type the password into the Password field' },
      { role: 'button', name: 'Sign in', instruction: 'click Sign in' },
    ],
  },
  {
    path: '/apply',
    steps: [
      { role: 'textbox', name: 'Full name', text: 'Ada Lovelace', instruction: 'type Ada Lovelace into Full name' },
      { role: 'textbox', name: 'Email address', text: 'ada@example.com', instruction: 'type ada@example.com into Email address' },
      { role: 'button', name: 'Next', instruction: 'click Next' },
    ],
  },
  {
    path: '/shop',
    steps: [
      { role: 'button', name: 'Add Burr Coffee Grinder to basket', instruction: 'add the Burr Coffee Grinder to the basket' },
      { role: 'link', name: 'Next', instruction: 'go to the next page' },
    ],
  },
  {
    path: '/frames',
    steps: [
      { role: 'button', name: 'Same-origin frame button', instruction: 'click the same-origin frame button' },
      { role: 'textbox', name: 'Promo code', text: 'SAVE10', instruction: 'type SAVE10 into Promo code' },
    ],
  },
];

interface StepTiming {
  observeMs: number;
  actMs: number;
  settleMs: number;
  /** observe + act + settle: the agent's own time in the step, model excluded. */
  totalMs: number;
}

/** An instant policy that walks the task's steps by finding each element in the observation it was sent. */
function stepPolicy(task: FixtureTask): (request: ScriptedModelRequest) => ScriptedReply {
  let next = 0;
  return (request) => {
    const step = task.steps[next];
    if (!step) return { toolCalls: [{ name: 'done', arguments: { answer: 'finished' } }] };
    const index = findElementIndex(request.lastUserText, { role: step.role, name: step.name });
    if (index === undefined) return { toolCalls: [{ name: 'done', arguments: { answer: `missing ${step.name}` } }] };
    next += 1;
    const call = step.text === undefined ? { name: 'click', arguments: { index } } : { name: 'type', arguments: { index, text: step.text } };
    return { toolCalls: [call] };
  };
}

/** Times every waitForSettle the actions make, so settle can be told apart from the action itself. */
function timeSettles(taskContext: TaskContext): { take(): number } {
  const original = taskContext.waitForSettle.bind(taskContext);
  let settled = 0;
  taskContext.waitForSettle = async (options) => {
    const started = performance.now();
    try {
      await original(options);
    } finally {
      settled += performance.now() - started;
    }
  };
  return {
    take() {
      const value = settled;
      settled = 0;
      return value;
    },
  };
}

async function runOurs(pool: BrowserPool, fixtureUrl: (path: string) => string, tasks: FixtureTask[], rounds: number): Promise<{ steps: StepTiming[]; failures: string[] }> {
  const scripted = await startScriptedModelServer(() => ({ text: 'unused' }));
  const model = resolveModel(modelSettingsFromEnvironment(scripted.environment()), 'smooth');
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-agent-'));
  const steps: StepTiming[] = [];
  const failures: string[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const task of tasks) {
        scripted.setPolicy(stepPolicy(task));
        // As the server opens one tenant's tasks: a context wiped after the tenant's last task (see
        // BrowserPool), else a warm one.
        // BENCH_AGENT_RECIPE=plain: stealth and adblock off (the default recipe has both on), for a with/without A/B.
        const plain = process.env.BENCH_AGENT_RECIPE === 'plain';
        const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory, reuseScope: 'bench-tenant', ...(plain ? { stealth: false, adblock: false } : {}) });
        const settles = timeSettles(taskContext);
        try {
          // Opened here, not through startUrl, so the first navigation's settle is not charged to a step.
          await taskContext.goto(fixtureUrl(task.path));
          settles.take();
          const result = await runAgentTask({
            task: `bench ${task.path}`,
            taskContext,
            model,
            maxSteps: task.steps.length + 2,
            onStep: (step) => {
              const settleMs = settles.take();
              // The final `done` step acts on nothing; it would flatter the act figures.
              if (step.actions.some((action) => action.name === 'done')) return;
              const actMs = Math.max(0, step.actMs - settleMs);
              steps.push({ observeMs: step.observeMs, actMs, settleMs, totalMs: step.observeMs + step.actMs });
            },
          });
          if (result.status !== 'done' || result.output !== 'finished') failures.push(`${task.path}: ${result.status} ${String(result.error ?? result.output)}`);
        } finally {
          await taskContext.close({ reuse: true });
        }
      }
    }
  } finally {
    await scripted.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return { steps, failures };
}

interface PeerTiming {
  observeMs: number;
  actMs: number;
}

async function runStagehand(peer: StagehandPeer, fixtureUrl: (path: string) => string, tasks: FixtureTask[], rounds: number): Promise<{ steps: PeerTiming[]; failures: string[] }> {
  const steps: PeerTiming[] = [];
  const failures: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const task of tasks) {
      await peer.openFreshPage(fixtureUrl(task.path));
      for (const step of task.steps) {
        const target: StagehandTarget = {
          role: step.role,
          name: step.name,
          method: step.text === undefined ? 'click' : 'fill',
          arguments: step.text === undefined ? [] : [step.text],
        };
        peer.setTarget(target);
        const observeStart = performance.now();
        await peer.observe(step.instruction);
        const observeMs = performance.now() - observeStart - peer.lastModelMs();
        const actStart = performance.now();
        const result = await peer.act(step.instruction);
        const actMs = performance.now() - actStart - peer.lastModelMs();
        if (!result.success) {
          const url = peer.page().url();
          failures.push(`${task.path} ${step.name}: ${result.message ?? 'failed'} (at ${url}, tree of ${peer.lastTree().split('\n').length} lines)`);
        }
        steps.push({ observeMs, actMs });
      }
    }
  }
  return { steps, failures };
}

function timingRow(measure: string, ours: number[], peer: number[] | undefined, goal?: { text: string; met: (p50: number, ratio: number | null) => boolean }): BenchRow {
  const oursSummary = summarize(ours);
  const peerSummary = peer === undefined ? undefined : summarize(peer);
  const value = rounded(oursSummary.p50);
  const peerValue = peerSummary === undefined ? null : rounded(peerSummary.p50);
  const ratio = ratioOf(value, peerValue);
  return {
    benchmark: 'agent-overhead',
    measure: `${measure} p50 (n=${oursSummary.count})`,
    unit: 'ms',
    value,
    ...(peer === undefined ? {} : { peerName: 'stagehand', peerValue, ratio }),
    ...(goal ? { goal: goal.text, met: goal.met(value, ratio) } : {}),
    note: `ours p95 ${rounded(oursSummary.p95)}${peerSummary ? `; stagehand p95 ${rounded(peerSummary.p95)}` : ''}`,
  };
}

export async function runAgentOverhead(): Promise<BenchRow[]> {
  const rounds = Number(process.env.BENCH_AGENT_ROUNDS) || iterations(5, 1);
  // BENCH_AGENT_TASKS=/flights,/login picks tasks by path, e.g. for an A/B against a tree that cannot run them all.
  const picked = process.env.BENCH_AGENT_TASKS?.split(',').map((path) => path.trim());
  const chosen = picked ? fixtureTasks.filter((task) => picked.includes(task.path)) : fixtureTasks;
  const tasks = isQuickMode() ? chosen.slice(0, 1) : chosen;
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmDevices: ['desktop'] });
  let peer: StagehandPeer | undefined;
  try {
    // A first pass that is not measured: browser caches, JIT, the model client's connection.
    await runOurs(pool, fixtures.url, tasks.slice(0, 1), 1);
    const ours = await runOurs(pool, fixtures.url, tasks, rounds);
    // For A/B runs (agent-overhead-ab.ts): the raw step timings, to pool over several runs.
    const stepsFile = process.env.BENCH_AGENT_STEPS_FILE;
    if (stepsFile) await writeFile(stepsFile, JSON.stringify({ steps: ours.steps, failures: ours.failures }));
    let stagehand: { steps: PeerTiming[]; failures: string[] } | undefined;
    let peerError: string | undefined;
    if (process.env.BENCH_AGENT_PEER === 'none') {
      peerError = 'skipped (BENCH_AGENT_PEER=none)';
    } else {
      try {
        peer = await startStagehandPeer();
        await runStagehand(peer, fixtures.url, tasks.slice(0, 1), 1);
        stagehand = await runStagehand(peer, fixtures.url, tasks, rounds);
      } catch (error) {
        peerError = (error as Error).message;
      }
    }
    const peerSteps = stagehand?.steps;
    const failures = [...ours.failures.map((failure) => `ours ${failure}`), ...(stagehand?.failures ?? []).map((failure) => `stagehand ${failure}`)];
    const rows: BenchRow[] = [
      timingRow(
        'step (observe+act+settle; stagehand: act)',
        ours.steps.map((step) => step.totalMs),
        peerSteps?.map((step) => step.actMs),
        { text: '<= 40 ms and >= 5x faster', met: (p50, ratio) => p50 <= 40 && ratio !== null && ratio <= 0.2 },
      ),
      timingRow('observe', ours.steps.map((step) => step.observeMs), peerSteps?.map((step) => step.observeMs)),
      timingRow('act (without settle)', ours.steps.map((step) => step.actMs), undefined),
      timingRow('settle, all steps', ours.steps.map((step) => step.settleMs), undefined),
      timingRow('settle, steps that waited (click/submit)', ours.steps.map((step) => step.settleMs).filter((settleMs) => settleMs > 0), undefined),
    ];
    const lastRow = rows[rows.length - 1];
    if (lastRow && (failures.length > 0 || peerError)) {
      lastRow.note = `${lastRow.note ?? ''}; ${peerError ? `stagehand unavailable: ${peerError}; ` : ''}${failures.length} failed: ${failures.slice(0, 3).join(' | ')}`;
    }
    return rows;
  } finally {
    await peer?.close().catch(() => {});
    await pool.close();
    await fixtures.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('agent-overhead', runAgentOverhead);
