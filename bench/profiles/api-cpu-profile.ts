import { Session, type Profiler } from 'node:inspector';
import { iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { benchApiKey, startBenchServer } from '../lib/bench-server.js';
import { chooseLoadGenerator, runHttpLoad } from '../lib/http-load.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';

/**
 * Profile behind the api-load figures: a V8 CPU profile of the server's thread while the load
 * generator (wrk, else autocannon in a worker thread) drives GET /task/{id}; reports where the main
 * thread's time goes, by function and by package, so the hot spot is named rather than guessed.
 */

function post<Result>(session: Session, method: string, parameters?: object): Promise<Result> {
  return new Promise((resolve, reject) => {
    session.post(method, parameters ?? {}, (error, result) => (error ? reject(error) : resolve(result as Result)));
  });
}

/** Self time per node, from the sample counts. */
function selfTimes(profile: Profiler.Profile): Map<number, number> {
  const times = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((nodeId, position) => times.set(nodeId, (times.get(nodeId) ?? 0) + (deltas[position] ?? 0) / 1000));
  return times;
}

function areaOf(url: string): string {
  if (url === '') return '(native/idle)';
  const workspace = /packages\/([^/]+)\//.exec(url);
  if (workspace && !url.includes('node_modules')) return `@open-smooth/${workspace[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1] ?? url;
  return url.startsWith('node:') ? 'node core' : url;
}

export async function runApiCpuProfile(query = ''): Promise<BenchRow[]> {
  const sessionCount = iterations(50, 3);
  const bench = await startBenchServer({ maxConcurrentTasks: sessionCount + 4 });
  const inspector = new Session();
  inspector.connect();
  try {
    const sessions: string[] = [];
    for (let index = 0; index < sessionCount; index += 1) {
      const sessionId = await bench.client.createSession('desktop');
      await bench.client.goto(sessionId, bench.fixtures.url('/'));
      sessions.push(sessionId);
    }
    await post(inspector, 'Profiler.enable');
    await post(inspector, 'Profiler.setSamplingInterval', { interval: 500 });
    await post(inspector, 'Profiler.start');
    const result = await runHttpLoad(chooseLoadGenerator(), {
      url: bench.server.url,
      connections: sessionCount,
      durationSeconds: iterations(8, 1),
      headers: { apikey: benchApiKey },
      paths: sessions.map((sessionId) => `/api/v1/task/${sessionId}${query}`),
    });
    const { profile } = await post<{ profile: Profiler.Profile }>(inspector, 'Profiler.stop');
    await Promise.allSettled(sessions.map((sessionId) => bench.client.close(sessionId)));

    const times = selfTimes(profile);
    const total = [...times.values()].reduce((sum, value) => sum + value, 0);
    const byFunction = new Map<string, number>();
    const byArea = new Map<string, number>();
    const parents = new Map<number, Profiler.ProfileNode>();
    const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
    /** Native frames (writev, Statement, get…) count toward the nearest JavaScript caller's package. */
    const jsOwner = (node: Profiler.ProfileNode): Profiler.ProfileNode => {
      let current: Profiler.ProfileNode | undefined = node;
      while (current && current.callFrame.url === '') current = parents.get(current.id);
      return current ?? node;
    };
    for (const node of profile.nodes) {
      const time = times.get(node.id) ?? 0;
      const frame = node.callFrame;
      const where = frame.url.replace(/^.*\/(node_modules|packages)\//, '$1/');
      const caller = frame.url === '' ? ` (from ${jsOwner(node).callFrame.functionName || '(anonymous)'} ${jsOwner(node).callFrame.url.replace(/^.*\/(node_modules|packages)\//, '$1/')})` : '';
      const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}${caller}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + time);
      const owner = jsOwner(nodesById.get(node.id) ?? node);
      const area = ['(idle)', '(program)', '(garbage collector)'].includes(frame.functionName) ? frame.functionName : areaOf(owner.callFrame.url);
      byArea.set(area, (byArea.get(area) ?? 0) + time);
    }
    const share = (value: number) => Math.round((value / total) * 1000) / 10;
    const top = (map: Map<string, number>, count: number) => [...map.entries()].sort(([, left], [, right]) => right - left).slice(0, count);
    const label = `GET /task/{id}${query}`;
    return [
      {
        benchmark: 'profile: api cpu',
        measure: `${label} throughput while profiled`,
        unit: 'req/s',
        value: Math.round(result.requestsPerSecond),
        note: `p99 ${result.latencyMs.p99} ms; ${result.generator}`,
      },
      ...top(byArea, 8).map(([area, time]) => ({ benchmark: 'profile: api cpu', measure: `${label} area: ${area}`, unit: '% of main thread', value: share(time) })),
      ...top(byFunction, 12).map(([name, time]) => ({ benchmark: 'profile: api cpu', measure: `${label} self: ${name}`, unit: '% of main thread', value: share(time) })),
    ];
  } finally {
    inspector.disconnect();
    await bench.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('profile: api cpu', () => runApiCpuProfile(process.argv[2] ?? ''));
