import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { observePage, screenshotAction, type ActionContext, type ResolvedModel } from '@open-smooth/agent';
import type { Device } from '@open-smooth/protocol';
import { BrowserPool } from '@open-smooth/browser';
import type { BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { loopbackNetworkAllowance, startFixtureServer } from './lib/testkit.js';

/**
 * Issue 11, item 9: what one `screenshot` costs a vision model. The picture the agent sends
 * (viewport, CSS pixels, element numbers drawn) is taken on real pages; its tokens follow each
 * provider's published image rule: OpenAI (gpt-4o / 4.1, high detail: fit in 2048², shortest side
 * to 768, 170 per 512-px tile + 85) and Anthropic (long edge at most 1568, width × height / 750).
 */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

export function openAiImageTokens(width: number, height: number): number {
  let scale = Math.min(1, 2048 / Math.max(width, height));
  let [scaledWidth, scaledHeight] = [width * scale, height * scale];
  scale = Math.min(1, 768 / Math.min(scaledWidth, scaledHeight));
  [scaledWidth, scaledHeight] = [scaledWidth * scale, scaledHeight * scale];
  return 85 + 170 * Math.ceil(scaledWidth / 512) * Math.ceil(scaledHeight / 512);
}

export function anthropicImageTokens(width: number, height: number): number {
  const scale = Math.min(1, 1568 / Math.max(width, height));
  return Math.ceil((width * scale * height * scale) / 750);
}

export async function runVisionTokens(): Promise<BenchRow[]> {
  const fixtures = await startFixtureServer();
  const devices: Device[] = ['desktop', 'mobile'];
  const pool = await BrowserPool.launch({ warmDevices: devices, allowPrivateNetwork: loopbackNetworkAllowance });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-vision-'));
  const rows: BenchRow[] = [];
  const action = screenshotAction({ showModel: true });
  try {
    for (const device of devices) {
      const taskContext = await pool.openContext({ device, downloadsDirectory });
      try {
        for (const path of ['/flights', '/shop', '/theme']) {
          await taskContext.goto(fixtures.url(path));
          const observation = await observePage(taskContext.page, {});
          const context: ActionContext = {
            taskContext,
            observation,
            model: {} as ResolvedModel,
            files: [],
            signal: new AbortController().signal,
            addCost: () => undefined,
          };
          const started = performance.now();
          const outcome = await action.handler({}, context);
          const elapsedMs = performance.now() - started;
          if (typeof outcome === 'string' || !outcome.image) throw new Error('the screenshot action returned no image');
          const { width, height } = pngSize(outcome.image.data);
          const label = `${path} ${device} (${width}×${height}, ${Math.round(outcome.image.data.byteLength / 1024)} KB)`;
          rows.push(
            { benchmark: 'vision-tokens', measure: `${label}: OpenAI tokens`, unit: 'tokens', value: openAiImageTokens(width, height), note: `page view ${observation.tokens} tokens` },
            { benchmark: 'vision-tokens', measure: `${label}: Anthropic tokens`, unit: 'tokens', value: anthropicImageTokens(width, height) },
            { benchmark: 'vision-tokens', measure: `${label}: time to take (numbers drawn)`, unit: 'ms', value: Math.round(elapsedMs) },
          );
        }
      } finally {
        await taskContext.close();
      }
    }
  } finally {
    await pool.close();
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('vision tokens', runVisionTokens);
