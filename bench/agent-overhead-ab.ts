import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { summarize, rounded } from './lib/statistics.js';

/**
 * A/B of the agent's own step time: two source trees (e.g. a `git worktree` of the commit before a
 * change, and this one) run `bench/agent-overhead.ts` alternately in fresh processes on the same
 * machine, Stagehand left out. On a machine others load, the ratio of the two is what holds.
 *
 *   npx tsx bench/agent-overhead-ab.ts <tree A> <tree B> [pairs=4] [rounds per run=3]
 */

interface StepTiming {
  observeMs: number;
  actMs: number;
  settleMs: number;
  totalMs: number;
}

async function runTree(tree: string, rounds: number, scratch: string, label: string): Promise<StepTiming[]> {
  const stepsFile = join(scratch, `${label}-${Date.now()}.json`);
  await new Promise<void>((done, fail) => {
    const child = spawn(join(tree, 'node_modules/.bin/tsx'), ['bench/agent-overhead.ts'], {
      cwd: tree,
      env: { ...process.env, BENCH_AGENT_PEER: 'none', BENCH_AGENT_STEPS_FILE: stepsFile, BENCH_AGENT_ROUNDS: String(rounds) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${label} run exited with ${code}`))));
  });
  const { steps, failures } = JSON.parse(await readFile(stepsFile, 'utf8')) as { steps: StepTiming[]; failures: string[] };
  if (failures.length > 0) process.stderr.write(`${label}: ${failures.length} tasks failed: ${failures.slice(0, 3).join(' | ')}\n`);
  return steps;
}

function p50(steps: StepTiming[], field: keyof StepTiming): number {
  return summarize(steps.map((step) => step[field])).p50;
}

async function main(): Promise<void> {
  const [first, second, pairsText, roundsText] = process.argv.slice(2);
  if (!first || !second) throw new Error('usage: npx tsx bench/agent-overhead-ab.ts <tree A> <tree B> [pairs] [rounds per run]');
  const trees = { A: resolve(first), B: resolve(second) };
  const pairs = Number(pairsText ?? 4);
  const rounds = Number(roundsText ?? 3);
  const scratch = await mkdtemp(join(tmpdir(), 'open-smooth-ab-'));
  const all: Record<'A' | 'B', StepTiming[]> = { A: [], B: [] };
  const pairRatios: number[] = [];
  try {
    for (let pair = 0; pair < pairs; pair += 1) {
      // Alternate which goes first, so a trend in the machine's load hits both alike.
      const order: Array<'A' | 'B'> = pair % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
      const runs: Partial<Record<'A' | 'B', StepTiming[]>> = {};
      for (const label of order) runs[label] = await runTree(trees[label], rounds, scratch, label);
      all.A.push(...(runs.A ?? []));
      all.B.push(...(runs.B ?? []));
      const ratio = p50(runs.B ?? [], 'totalMs') / p50(runs.A ?? [], 'totalMs');
      pairRatios.push(ratio);
      process.stderr.write(`pair ${pair + 1}: step p50 A ${rounded(p50(runs.A ?? [], 'totalMs'))} ms, B ${rounded(p50(runs.B ?? [], 'totalMs'))} ms (B/A ${rounded(ratio)})\n`);
    }
  } finally {
    // BENCH_AB_KEEP=1 keeps each run's raw step timings for a closer look.
    if (process.env.BENCH_AB_KEEP === '1') process.stderr.write(`raw step timings kept in ${scratch}\n`);
    else await rm(scratch, { recursive: true, force: true });
  }
  const lines = ['| measure (p50) | A | B | B/A |', '|---|---|---|---|'];
  for (const [label, field] of [['step (observe+act+settle)', 'totalMs'], ['observe', 'observeMs'], ['act (without settle)', 'actMs'], ['settle', 'settleMs']] as const) {
    const a = p50(all.A, field);
    const b = p50(all.B, field);
    lines.push(`| ${label} | ${rounded(a)} ms | ${rounded(b)} ms | ${a > 0 ? rounded(b / a) : '-'} |`);
  }
  const sortedRatios = [...pairRatios].sort((left, right) => left - right);
  lines.push(`| step, median of per-pair ratios (${pairs} pairs) | | | ${rounded(sortedRatios[Math.floor(sortedRatios.length / 2)] ?? Number.NaN)} |`);
  process.stdout.write(`A = ${trees.A} (n=${all.A.length} steps), B = ${trees.B} (n=${all.B.length} steps)\n${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
