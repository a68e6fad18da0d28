import { type StoredTaskEvent } from '@open-smooth/protocol';
import { serverLogger } from '../server-logger.js';

/**
 * When an error answer may reach a client that attaches its answer handler late.
 *
 * The official TS client posts a command, then GETs the task (its "connect" GET), waits a random
 * 0–1 s, and only then attaches the handler that catches the command's failure. Its poller, which
 * may have a GET in flight all along, handles an answer as soon as a poll brings it: an error then
 * rejects a promise nobody handles yet, and Node's default unhandled-rejection mode kills the
 * user's process. The connect GET and the poller's GETs look the same, and answering either with
 * nothing is no way out: after an empty answer the poller sleeps on an unref'd timer, so a script
 * awaiting a command with nothing else pending simply exits (and a poller whose last user leaves
 * during that sleep never wakes). So every answer carries something (a heartbeat at least), and:
 * - until `releaseAtMs` = max(post + `connectMs`, answer produced) polls are held as usual;
 * - at `releaseAtMs` every poll begun before it is answered without the error: the connect GET
 *   (sent right after the POST, so within `connectMs`) returns then at the latest, and the
 *   client's stagger starts;
 * - polls begun later are held until `visibleAtMs` = `releaseAtMs` + `handlerMs` (the 1 s stagger
 *   plus slack for the network and a busy event loop), and then see the error.
 * A success answer only resolves a promise, which is harmless however early: it is never delayed.
 * Clients that send the handlers-first header (our SDK) see errors at once.
 */
export const errorAnswerDelays = { connectMs: 800, handlerMs: 1400 };

/** An error answer that some polls may not see yet, by the id of its event (the command's id). */
export interface WithheldAnswer {
  eventId: string;
  releaseAtMs: number;
  visibleAtMs: number;
}

/**
 * What every process that writes or polls a task must see alike: which commands wait for their
 * answer and which error answers are withheld. The process that appends an answer (the worker
 * running the task) withholds it; every API process reads it. In memory for one process
 * (`InMemoryWithheldAnswers`), on Redis across processes (`RedisWithheldAnswers`).
 */
export interface WithheldAnswerBook {
  commandPosted(taskId: string, commandId: string): Promise<void>;
  commandAnswered(taskId: string, commandId: string): Promise<void>;
  hasUnansweredCommands(taskId: string): Promise<boolean>;
  withhold(taskId: string, answer: WithheldAnswer): Promise<void>;
  /** The task's withheld answers still out of sight at `nowMs`. */
  pending(taskId: string, nowMs: number): Promise<WithheldAnswer[]>;
}

/** The book of one process (embedded mode). */
export class InMemoryWithheldAnswers implements WithheldAnswerBook {
  private readonly unanswered = new Map<string, Set<string>>();
  private readonly withheld = new Map<string, WithheldAnswer[]>();

  async commandPosted(taskId: string, commandId: string): Promise<void> {
    let commands = this.unanswered.get(taskId);
    if (!commands) this.unanswered.set(taskId, (commands = new Set()));
    commands.add(commandId);
  }

  async commandAnswered(taskId: string, commandId: string): Promise<void> {
    const commands = this.unanswered.get(taskId);
    commands?.delete(commandId);
    if (commands?.size === 0) this.unanswered.delete(taskId);
  }

  async hasUnansweredCommands(taskId: string): Promise<boolean> {
    return this.unanswered.has(taskId);
  }

  async withhold(taskId: string, answer: WithheldAnswer): Promise<void> {
    let answers = this.withheld.get(taskId);
    if (!answers) this.withheld.set(taskId, (answers = []));
    answers.push(answer);
  }

  async pending(taskId: string, nowMs: number): Promise<WithheldAnswer[]> {
    const answers = this.withheld.get(taskId);
    if (!answers) return [];
    // Pruned by the clock, not by `nowMs`: a caller asking about a later time must not drop what others still withhold.
    const current = answers.filter((answer) => answer.visibleAtMs > Date.now());
    if (current.length === 0) this.withheld.delete(taskId);
    else if (current.length !== answers.length) this.withheld.set(taskId, current);
    return answers.filter((answer) => answer.visibleAtMs > nowMs);
  }
}

/**
 * Knows when commands were posted and hides the error answers to them until they are safe to show.
 * The posting time is this process's knowledge: the API side that took the POST records it, and the
 * command carries it to the worker that will append the answer (`commandReceived`).
 */
export class ErrorAnswerDelay {
  private readonly postedAt = new Map<string, Map<string, number>>();

  constructor(
    private readonly book: WithheldAnswerBook,
    /** Wakes the task's long-polls, in every process (at the release and visibility times). */
    private readonly onChange: (taskId: string) => void,
    private readonly delays = errorAnswerDelays,
  ) {}

  /** The API side took a command's POST. */
  async commandPosted(taskId: string, commandId: string, postedAtMs = Date.now()): Promise<void> {
    this.remember(taskId, commandId, postedAtMs);
    await this.book.commandPosted(taskId, commandId);
  }

  /** The worker side was handed a command, with the time it was posted. */
  commandReceived(taskId: string, commandId: string, postedAtMs: number): void {
    this.remember(taskId, commandId, postedAtMs);
  }

  private remember(taskId: string, commandId: string, postedAtMs: number): void {
    let commands = this.postedAt.get(taskId);
    if (!commands) this.postedAt.set(taskId, (commands = new Map()));
    commands.set(commandId, postedAtMs);
  }

  /** Whether a command of the task waits for its answer. */
  hasUnansweredCommands(taskId: string): Promise<boolean> {
    return this.book.hasUnansweredCommands(taskId);
  }

  /**
   * Called before each event is appended: an error answer to a posted command is withheld from
   * before any poll can read it (its id names it: its timestamp is known only once stored).
   */
  async beforeAppend(taskId: string, event: Pick<StoredTaskEvent, 'id' | 'name' | 'payload'>, nowMs = Date.now()): Promise<void> {
    if (!isAnswer(event) || event.payload.code === 200) return;
    const postedAtMs = this.postedAt.get(taskId)?.get(event.id);
    if (postedAtMs === undefined) return;
    const releaseAtMs = Math.max(postedAtMs + this.delays.connectMs, nowMs);
    const visibleAtMs = releaseAtMs + this.delays.handlerMs;
    try {
      await this.book.withhold(taskId, { eventId: event.id, releaseAtMs, visibleAtMs });
    } catch (error) {
      // The answer is still appended: a client that dies of an early error is better off than one that never gets it.
      serverLogger.warn({ err: error, taskId, commandId: event.id }, 'could not withhold an error answer');
      return;
    }
    // A few ms late on purpose: a timer may fire a millisecond before Date.now() reaches its time.
    for (const atMs of [releaseAtMs, visibleAtMs]) setTimeout(() => this.onChange(taskId), atMs - nowMs + 5).unref();
  }

  /** Called after each event is appended: a command it answers waits no more. */
  async afterAppend(taskId: string, event: StoredTaskEvent): Promise<void> {
    if (!isAnswer(event)) return;
    const commands = this.postedAt.get(taskId);
    if (!commands?.delete(event.id)) return;
    if (commands.size === 0) this.postedAt.delete(taskId);
    try {
      await this.book.commandAnswered(taskId, event.id);
    } catch (error) {
      // Only a fresh task's first poll reads it, and the answer is stored: that poll waits for nothing.
      serverLogger.warn({ err: error, taskId, commandId: event.id }, 'could not mark a command answered');
    }
  }

  /**
   * The events a late-handler client may see now: those before the first withheld answer (the
   * answer and everything after it wait, or the client's cursor would skip it).
   */
  async visibleEvents(taskId: string, events: StoredTaskEvent[], nowMs = Date.now()): Promise<{ events: StoredTaskEvent[]; withheld?: WithheldAnswer }> {
    if (events.length === 0) return { events };
    const answers = await this.book.pending(taskId, nowMs);
    if (answers.length === 0) return { events };
    const withheldOf = (event: StoredTaskEvent) => (isAnswer(event) ? answers.find((answer) => answer.eventId === event.id) : undefined);
    const firstHidden = events.findIndex((event) => withheldOf(event) !== undefined);
    if (firstHidden === -1) return { events };
    const hidden = events[firstHidden];
    const withheld = hidden ? withheldOf(hidden) : undefined;
    return { events: events.slice(0, firstHidden), ...(withheld ? { withheld } : {}) };
  }

  /** How long the last withheld answer of the task still stays out of sight. */
  async remainingMs(taskId: string, nowMs = Date.now()): Promise<number> {
    const answers = await this.book.pending(taskId, nowMs);
    return answers.reduce((longest, answer) => Math.max(longest, answer.visibleAtMs - nowMs), 0);
  }

  /** Drops what this process knows of the task's commands (the book's entries expire or are pruned). */
  forget(taskId: string): void {
    this.postedAt.delete(taskId);
  }
}

function isAnswer(event: Pick<StoredTaskEvent, 'name' | 'payload'>): boolean {
  return (event.name === 'browser_action' || event.name === 'session_action') && typeof event.payload.code === 'number';
}
