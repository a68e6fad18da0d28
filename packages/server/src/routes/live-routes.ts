import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isFinishedTaskStatus, type StepRecord } from '@open-smooth/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { BlobNotFoundError, type BlobStore } from '../blobs/blob-store.js';
import { NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import type { TaskRecord } from '../store/task-record.js';
import type { LiveView } from '../tasks/live-task.js';
import { liveInputSchema, type LiveInput } from './live-input.js';
import { stepToWire } from './step-wire.js';
import { webAsset } from './web-assets.js';
import { serverLogger } from '../server-logger.js';
import { unreachableWorkerMessage } from '../tunnel/unreachable-worker.js';

/** A live URL keeps working this long after its task ends (to see the answer), then expires. */
export const liveViewTtlAfterFinishMs = 60 * 60_000;
/** Frames per second a viewer gets at most. */
const viewerFramesPerSecond = 15;
/** A viewer whose socket has this much unsent data skips frames instead of queueing them. */
const maxBufferedBytes = 2 * 1024 * 1024;
const statePollMs = 400;
/**
 * A viewer served by a process that does not run the task (it waited, or this is an API process)
 * is closed with this code once the task runs on a worker it can be relayed to; the live page
 * connects again and reaches that worker (see tunnel/task-socket-routing.ts).
 */
export const liveViewMovedCloseCode = 4307;
const finishedPollMs = 5_000;

const liveParametersSchema = z.object({ task_id: z.string().min(1).max(200), token: z.string().min(1).max(200) });
const liveQuerySchema = z.object({
  interactive: z.enum(['true', 'false', '1', '0', 'True', 'False']).optional(),
  embed: z.enum(['true', 'false', '1', '0', 'True', 'False']).optional(),
});
const isTrue = (value: string | undefined): boolean => value === 'true' || value === '1' || value === 'True';

function tokensMatch(given: string, expected: string): boolean {
  const givenBytes = Buffer.from(given);
  const expectedBytes = Buffer.from(expected);
  return givenBytes.length === expectedBytes.length && timingSafeEqual(givenBytes, expectedBytes);
}

/**
 * The task a live URL names, when its token is that task's and has not expired. Every failure
 * reads the same 404, so a guess learns nothing (not even whether the task exists).
 */
export async function taskOfLiveUrl(context: Pick<ServerContext, 'taskStore'>, taskId: string, token: string): Promise<TaskRecord> {
  const task = await context.taskStore.getTask(taskId);
  const expired = task?.finishedAtMs != null && isFinishedTaskStatus(task.status) && Date.now() > task.finishedAtMs + liveViewTtlAfterFinishMs;
  if (!task || task.liveToken === null || !tokensMatch(token, task.liveToken) || expired) {
    throw new NotFoundError('no live view here: the link is wrong, has expired, or its task data was deleted');
  }
  return task;
}

/** What a live URL says, before its token is checked. */
function liveParametersOf(request: FastifyRequest): { taskId: string; token: string; interactive: boolean; embed: boolean } {
  const { task_id, token } = parseWire(liveParametersSchema, request.params, 'live URL');
  const query = parseWire(liveQuerySchema, request.query, 'live view options');
  return { taskId: task_id, token, interactive: isTrue(query.interactive), embed: isTrue(query.embed) };
}

async function liveRequestOf(context: ServerContext, request: FastifyRequest): Promise<{ task: TaskRecord; interactive: boolean; embed: boolean }> {
  const { taskId, token, interactive, embed } = liveParametersOf(request);
  return { task: await taskOfLiveUrl(context, taskId, token), interactive, embed };
}

/** What a viewer is told about the task besides the picture. */
interface LiveState {
  type: 'state';
  taskId: string;
  kind: string;
  task: string | null;
  status: string;
  url: string;
  control: 'agent' | 'you' | 'someone else';
  /** The agent has its next step ready and waits for the person to hand back. */
  agentWaiting: boolean;
  interactive: boolean;
  output?: unknown;
  error?: string | null;
  /** Something the viewer should know that the picture cannot show (the task's worker cannot be reached). */
  notice?: string;
}

/** Routes of the live view: the page, its WebSocket (frames out, a person's input in) and step screenshots. */
export function registerLiveRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get('/live/:task_id', async () => {
    throw new NotFoundError('a live view needs its token: use the live_url of the task response');
  });

  app.get('/live/:task_id/:token', async (request, reply) => {
    await liveRequestOf(context, request);
    const page = await webAsset('live.html');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(page);
  });

  app.get('/live/:task_id/:token/steps/:index/screenshot', async (request, reply) => {
    const { task } = await liveRequestOf(context, request);
    const { index } = parseWire(z.object({ index: z.coerce.number().int().min(1) }), request.params, 'step');
    return sendStepScreenshot(reply, context.blobs, await context.taskStore.listSteps(task.id), index);
  });

  // The token is checked before the upgrade; the handler only needs what the URL says.
  app.get('/live/:task_id/:token/ws', { websocket: true, preValidation: async (request) => void (await liveRequestOf(context, request)) }, (socket, request) => {
    const { taskId, interactive } = liveParametersOf(request);
    new LiveViewer(context, socket, taskId, interactive).start();
  });
}

/** Sends step `index`'s screenshot, or 404 when it has none. */
export async function sendStepScreenshot(reply: import('fastify').FastifyReply, blobs: BlobStore, steps: StepRecord[], index: number) {
  const step = steps.find((candidate) => candidate.index === index);
  if (!step?.screenshotKey) throw new NotFoundError(`step ${index} has no screenshot`);
  const image = await blobs.read(step.screenshotKey).catch((error: unknown) => {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  });
  if (!image) throw new NotFoundError(`step ${index} has no screenshot`);
  const type = step.screenshotKey.endsWith('.png') ? 'image/png' : 'image/jpeg';
  return reply.type(type).header('cache-control', 'private, max-age=3600').send(image);
}

/** One open live view: pushes frames and state, and (interactive, in control) forwards input. */
class LiveViewer {
  readonly #id = randomBytes(8).toString('hex');
  #view: LiveView | undefined;
  #unsubscribeFrames: (() => void) | undefined;
  #unsubscribeControl: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pollMs = 0;
  #lastState = '';
  #stepsSent = 0;
  #lastStepUrl = '';
  #closed = false;
  /** A refresh reads the store; one runs at a time, and a request meanwhile runs once more after it. */
  #refreshing = false;
  #refreshAgain = false;
  /** Input runs one event at a time, in order (a key up must not overtake its key down). */
  #inputChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: ServerContext,
    private readonly socket: WebSocket,
    private readonly taskId: string,
    private readonly interactive: boolean,
  ) {}

  start(): void {
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) this.#onMessage(data.toString());
    });
    this.socket.on('close', () => this.#stop());
    this.socket.on('error', () => this.#stop());
    this.#refresh();
    if (this.#timer === undefined) this.#schedule(statePollMs);
  }

  #refresh(): void {
    if (this.#closed) return;
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = true;
    this.#refreshNow()
      .catch((error: unknown) => serverLogger.warn({ err: error, taskId: this.taskId }, 'live view failed'))
      .finally(() => {
        this.#refreshing = false;
        if (!this.#refreshAgain) return;
        this.#refreshAgain = false;
        this.#refresh();
      });
  }

  /** Attaches to the browser once it is open, sends new steps and any change of state. */
  async #refreshNow(): Promise<void> {
    if (this.#closed) return;
    const task = await this.context.taskStore.getTask(this.taskId);
    if (this.#closed) return;
    if (!task || task.liveToken === null) {
      this.socket.close(4404, 'the task data was deleted');
      return;
    }
    const view = this.context.runner?.liveView(this.taskId);
    if (view !== this.#view) this.#attach(view);
    // Steps are read (and parsed) only when there are new ones.
    const stepCount = (await this.context.taskStore.countSteps([this.taskId])).get(this.taskId) ?? 0;
    if (stepCount > this.#stepsSent) {
      const steps = await this.context.taskStore.listSteps(this.taskId);
      for (const step of steps.slice(this.#stepsSent)) this.#send({ type: 'step', step: stepToWire(step, `/live/${this.taskId}/${task.liveToken}/steps/${step.index}/screenshot`) });
      this.#stepsSent = steps.length;
      this.#lastStepUrl = steps.at(-1)?.url ?? '';
    }
    const status = await this.context.tasks.visibleStatus(task);
    if (this.#closed) return;
    if (!view && status === 'running' && (await this.context.taskSockets?.remoteWorkerUrlOf(this.taskId)) !== undefined) {
      this.socket.close(liveViewMovedCloseCode, 'the task runs on a worker now: connect again');
      return;
    }
    const unreachable = !view && status === 'running' ? await this.context.taskSockets?.unreachableWorkerOf(this.taskId) : undefined;
    if (this.#closed) return;
    const finished = isFinishedTaskStatus(status);
    const state: LiveState = {
      type: 'state',
      taskId: task.id,
      kind: task.kind,
      task: task.request.task ?? null,
      status,
      url: view?.currentUrl() ?? this.#lastStepUrl,
      control: view?.control.isHeldBy(this.#id) ? 'you' : view?.control.personInControl ? 'someone else' : 'agent',
      agentWaiting: view?.control.agentWaiting ?? false,
      interactive: this.interactive && !finished,
      ...(finished ? { output: task.output, error: task.error } : {}),
      ...(unreachable ? { notice: `${capitalized(unreachableWorkerMessage(task.id, unreachable))}.` } : {}),
    };
    const json = JSON.stringify(state);
    if (json !== this.#lastState) {
      this.#lastState = json;
      this.#send(state);
    }
    // A finished task changes no more; only its erasure needs noticing, which can wait.
    if (finished && this.#pollMs !== finishedPollMs) this.#schedule(finishedPollMs);
  }

  #schedule(pollMs: number): void {
    clearInterval(this.#timer);
    this.#pollMs = pollMs;
    this.#timer = setInterval(() => this.#refresh(), pollMs);
  }

  #attach(view: LiveView | undefined): void {
    this.#detach();
    this.#view = view;
    if (!view) return;
    this.#unsubscribeControl = view.control.onChange(() => this.#refresh());
    const latest = view.frames.latestFrame;
    if (latest) this.#sendFrame(latest.jpeg);
    this.#unsubscribeFrames = view.frames.subscribe((frame) => this.#sendFrame(frame.jpeg), { maxFramesPerSecond: viewerFramesPerSecond });
  }

  #detach(): void {
    if (this.#view) this.#view.control.handBack(this.#id);
    this.#unsubscribeFrames?.();
    this.#unsubscribeControl?.();
    this.#unsubscribeFrames = undefined;
    this.#unsubscribeControl = undefined;
    this.#view = undefined;
  }

  #sendFrame(jpeg: Buffer): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN || this.socket.bufferedAmount > maxBufferedBytes) return;
    this.socket.send(jpeg, { binary: true });
  }

  #send(message: unknown): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  #refuse(reason: string): void {
    this.#send({ type: 'refused', reason });
  }

  #onMessage(text: string): void {
    let input: LiveInput;
    try {
      input = liveInputSchema.parse(JSON.parse(text));
    } catch {
      this.#refuse('not a live view message');
      return;
    }
    if (!this.interactive) return this.#refuse('this live view is watch-only: open it with interactive=true to take control');
    const view = this.#view;
    if (!view) return this.#refuse('the browser is not open (the task has not started or has ended)');
    switch (input.type) {
      case 'take_control':
        view.control.take(this.#id);
        return;
      case 'hand_back':
        view.control.handBack(this.#id);
        return;
      default:
        if (!view.control.isHeldBy(this.#id)) return this.#refuse('take control first: the agent is driving');
        this.#inputChain = this.#inputChain.then(() => this.#forward(view, input)).catch((error: unknown) => this.#refuse(`input failed: ${String(error)}`));
    }
  }

  async #forward(view: LiveView, input: LiveInput): Promise<void> {
    switch (input.type) {
      case 'mouse':
        if (input.action === 'move') return view.input.mouseMove(input);
        if (input.action === 'down') return view.input.mouseDown(input, input.button);
        return view.input.mouseUp(input, input.button);
      case 'wheel':
        return view.input.wheel(input, input.deltaX, input.deltaY);
      case 'key':
        return input.action === 'down' ? view.input.keyDown(input.key) : view.input.keyUp(input.key);
      case 'text':
        return view.input.insertText(input.text);
    }
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    // Leaving the live view hands control back: a closed tab must not hold the agent forever.
    this.#detach();
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
