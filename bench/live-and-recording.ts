import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { isQuickMode } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { startBenchServer, type BenchServer } from './lib/bench-server.js';
import { descendantProcesses } from './lib/process-tree.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/**
 * Issue 12: what watching and recording cost. CPU is this process (server, fixtures, model) plus
 * every process below it (Chromium, ffmpeg), read from /proc, over a fixed window.
 */

// Quick mode (the smoke test) only checks that everything runs.
const windowMs = Number(process.env.BENCH_LIVE_WINDOW_MS ?? (isQuickMode() ? 1_500 : 6_000));
const cycleCount = Number(process.env.BENCH_LIVE_CYCLES ?? (isQuickMode() ? 3 : 20));

/** A page that repaints 10 times a second, like a page with a ticker or a spinner. */
const animate = `(() => {
  const ticker = document.createElement('p');
  ticker.style.cssText = 'font: 32px system-ui; position: fixed; top: 40%; left: 30%; background: #fff';
  document.body.append(ticker);
  let count = 0;
  setInterval(() => { count += 1; ticker.textContent = 'tick ' + count; ticker.style.color = count % 2 ? '#c00' : '#00c'; }, 100);
  return true;
})()`;

async function cpuMsNow(): Promise<number> {
  const own = process.cpuUsage();
  const children = await descendantProcesses(process.pid);
  return (own.user + own.system) / 1000 + children.reduce((sum, info) => sum + info.cpuMs, 0);
}

/** CPU used (ms) and wall time over `windowMs`, while `during` holds. */
async function measureWindow(): Promise<{ cpuMs: number; wallMs: number }> {
  const cpuBefore = await cpuMsNow();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return { cpuMs: (await cpuMsNow()) - cpuBefore, wallMs: performance.now() - started };
}

async function liveUrlOf(bench: BenchServer, taskId: string): Promise<string> {
  const { payload } = await bench.client.request<{ live_url: string }>('GET', `/task/${taskId}`);
  return payload.live_url;
}

/** Opens `count` watch-only viewers; returns how many frames they got and a closer. */
async function openViewers(liveUrl: string, count: number): Promise<{ frames: () => number; close: () => void }> {
  let frames = 0;
  const sockets = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${liveUrl.replace(/^http/, 'ws')}/ws?interactive=false`);
        socket.on('message', (_data, isBinary) => {
          if (isBinary) frames += 1;
        });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      }),
    ),
  );
  return { frames: () => frames, close: () => sockets.forEach((socket) => socket.close()) };
}

const percentOfCore = (cpuMs: number, wallMs: number): number => rounded((cpuMs / wallMs) * 100);

async function liveViewRows(bench: BenchServer): Promise<BenchRow[]> {
  const sessionId = await bench.client.createSession('desktop', { enableRecording: false });
  await bench.client.goto(sessionId, bench.fixtures.url('/flights'));
  await bench.client.command(sessionId, 'browser_action', 'evaluate_js', { js: animate });
  const liveUrl = await liveUrlOf(bench, sessionId);
  const rows: BenchRow[] = [];
  const unwatched = await measureWindow();
  rows.push({ benchmark: 'live-view', measure: 'animated page, nobody watching: CPU', unit: '% of a core', value: percentOfCore(unwatched.cpuMs, unwatched.wallMs) });
  for (const viewers of [1, 3]) {
    const opened = await openViewers(liveUrl, viewers);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const framesBefore = opened.frames();
    const watched = await measureWindow();
    const frames = opened.frames() - framesBefore;
    opened.close();
    const extra = (watched.cpuMs - unwatched.cpuMs * (watched.wallMs / unwatched.wallMs)) / viewers;
    rows.push({
      benchmark: 'live-view',
      measure: `${viewers} viewer(s): CPU per watched view`,
      unit: '% of a core',
      value: percentOfCore(extra, watched.wallMs),
      note: `${rounded(frames / viewers / (watched.wallMs / 1000))} frames/s per viewer`,
    });
  }
  await bench.client.close(sessionId);
  return rows;
}

/** A session that stays on the animated page for the window, recorded or not; CPU during it and until its video is ready. */
async function recordedSession(bench: BenchServer, enableRecording: boolean, animated: boolean) {
  const sessionId = await bench.client.createSession('desktop', { enableRecording });
  await bench.client.goto(sessionId, bench.fixtures.url('/flights'));
  if (animated) await bench.client.command(sessionId, 'browser_action', 'evaluate_js', { js: animate });
  const running = await measureWindow();
  const cpuBeforeClose = await cpuMsNow();
  const closedAt = performance.now();
  await bench.client.close(sessionId);
  let recordingUrl: string | null = null;
  for (;;) {
    const { payload } = await bench.client.request<{ status: string; recording_url: string | null }>('GET', `/task/${sessionId}`);
    recordingUrl = payload.recording_url;
    if (['done', 'failed', 'cancelled'].includes(payload.status) && recordingUrl !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readyMs = performance.now() - closedAt;
  // The first GET encodes the video (lazily): its time and CPU are the encode's.
  const fetchStarted = performance.now();
  const bytes = recordingUrl ? (await (await fetch(recordingUrl)).arrayBuffer()).byteLength : 0;
  const firstFetchMs = performance.now() - fetchStarted;
  const finishCpuMs = (await cpuMsNow()) - cpuBeforeClose;
  return { running, readyMs, firstFetchMs, finishCpuMs, bytes };
}

async function recordingRows(bench: BenchServer): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const animated of [true, false]) {
    const page = animated ? 'animated page' : 'idle page';
    const off = await recordedSession(bench, false, animated);
    const on = await recordedSession(bench, true, animated);
    const minutes = on.running.wallMs / 60_000;
    const extraCpuMs = on.running.cpuMs - off.running.cpuMs + (on.finishCpuMs - off.finishCpuMs);
    rows.push(
      { benchmark: 'recording', measure: `${page}: CPU per recorded task minute (capture + encode)`, unit: 'CPU s', value: rounded(extraCpuMs / 1000 / minutes), note: `task ran ${rounded(on.running.wallMs / 1000)} s` },
      { benchmark: 'recording', measure: `${page}: video size per minute`, unit: 'MB', value: rounded(on.bytes / 1e6 / minutes) },
      { benchmark: 'recording', measure: `${page}: close → recording_url set`, unit: 'ms', value: rounded(on.readyMs), note: `close → done without recording: ${rounded(off.readyMs)} ms` },
      { benchmark: 'recording', measure: `${page}: first GET of the video (encodes it)`, unit: 'ms', value: rounded(on.firstFetchMs) },
    );
  }
  return rows;
}

async function cycleRows(bench: BenchServer): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const enableRecording of [false, true]) {
    const timings: number[] = [];
    const cpuBefore = await cpuMsNow();
    for (let cycle = 0; cycle < cycleCount + 1; cycle += 1) {
      const started = performance.now();
      const sessionId = await bench.client.createSession('desktop', { enableRecording });
      await bench.client.goto(sessionId, bench.fixtures.url('/flights'));
      await bench.client.close(sessionId);
      // The first cycle warms up (context reuse, JIT).
      if (cycle > 0) timings.push(performance.now() - started);
    }
    await bench.client.waitForSessionsToFinish();
    const cpuMs = (await cpuMsNow()) - cpuBefore;
    const summary = summarize(timings);
    const label = enableRecording ? 'recording on' : 'recording off';
    rows.push(
      { benchmark: 'session-cycle', measure: `${label}: c=1 cycle p50 (n=${summary.count})`, unit: 'ms', value: rounded(summary.p50) },
      { benchmark: 'session-cycle', measure: `${label}: c=1 cycle p95 (n=${summary.count})`, unit: 'ms', value: rounded(summary.p95) },
      { benchmark: 'session-cycle', measure: `${label}: CPU per cycle (all processes)`, unit: 'ms', value: rounded(cpuMs / (cycleCount + 1)) },
    );
  }
  return rows;
}

export async function runLiveAndRecordingBench(): Promise<BenchRow[]> {
  const bench = await startBenchServer({ maxConcurrentTasks: 4 });
  try {
    return [...(await liveViewRows(bench)), ...(await recordingRows(bench)), ...(await cycleRows(bench))];
  } finally {
    await bench.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('Live view and recording', runLiveAndRecordingBench);
