import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '@open-smooth/server';
import { loopbackNetworkAllowance, startFixtureServer, type FixtureServer } from '@open-smooth/testkit';
import {
  messageText,
  startScriptedModelServer,
  type ScriptedModelRequest,
  type ScriptedModelServer,
  type ScriptedReply,
} from '@open-smooth/testkit';

export const testApiKey = 'sk_sdk_end_to_end';

/** The real server (SQLite, Chromium) with the scripted model and the fixture sites, all on 127.0.0.1. */
export interface EndToEnd {
  server: RunningServer;
  model: ScriptedModelServer;
  sites: FixtureServer;
  close(): Promise<void>;
}

export async function startEndToEnd(options: Partial<ServerOptions> = {}): Promise<EndToEnd> {
  const sites = await startFixtureServer();
  const model = await startScriptedModelServer(() => ({ text: 'no policy set' }));
  const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-sdk-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDirectory,
    apiKeys: [testApiKey],
    modelEnvironment: model.environment(),
    // The fixture sites are on loopback; a test of the policy overrides it.
    ...(options.browserPool ? {} : { allowPrivateNetwork: loopbackNetworkAllowance }),
    ...options,
  });
  return {
    server,
    model,
    sites,
    async close() {
      await server.close();
      await model.close();
      await sites.close();
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}

/** Everything the model was sent in one request, as text. */
export function requestText(request: ScriptedModelRequest): string {
  return request.messages.map((message) => messageText(message.content)).join('\n');
}

/** The page view of the request: the newest message, where the agent puts the observation. */
export function pageText(request: ScriptedModelRequest): string {
  return request.lastUserText || requestText(request);
}

export function isExtractRequest(request: ScriptedModelRequest): boolean {
  return request.tools.length === 0;
}

/** Whether `done` takes `output` (a response model is set) rather than `answer`. */
export function doneTakesOutput(request: ScriptedModelRequest): boolean {
  const done = request.tools.find((tool) => tool.name === 'done');
  const properties = (done?.parameters as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return 'output' in properties;
}

export function done(request: ScriptedModelRequest, answer: string, output: unknown): ScriptedReply {
  return doneTakesOutput(request)
    ? { toolCalls: [{ name: 'done', arguments: { output } }] }
    : { toolCalls: [{ name: 'done', arguments: { answer } }] };
}

/** The cheapest row of the flight results the page shows: "<airline> ... £<price>". */
export function cheapestFlightOnPage(text: string): { airline: string; price: number } | undefined {
  let best: { airline: string; price: number } | undefined;
  for (const airline of ['British Airways', 'Air France', 'KLM', 'Vueling', 'Eurowings', 'easyJet', 'Lufthansa', 'Ryanair']) {
    const pattern = new RegExp(`${airline}[^£\\n]*?£(\\d+)`, 'g');
    for (const match of text.matchAll(pattern)) {
      const price = Number(match[1]);
      if (!best || price < best.price) best = { airline, price };
    }
  }
  return best;
}
