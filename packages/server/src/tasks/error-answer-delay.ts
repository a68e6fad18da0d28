import type { StoredTaskEvent } from '@open-smooth/protocol';

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

/** An error answer that some polls may not see yet. */
export interface WithheldAnswer {
  timestamp: number;
  releaseAtMs: number;
  visibleAtMs: number;
}

/** Remembers when commands were posted and hides the error answers to them until they are safe to show. */
export class ErrorAnswerDelay {
  private readonly postedAt = new Map<string, Map<string, number>>();
  private readonly withheld = new Map<string, WithheldAnswer[]>();

  constructor(
    /** Wakes the task's long-polls (at the release and visibility times). */
    private readonly onChange: (taskId: string) => void,
    private readonly delays = errorAnswerDelays,
  ) {}

  commandPosted(taskId: string, commandId: string, nowMs = Date.now()): void {
    let commands = this.postedAt.get(taskId);
    if (!commands) this.postedAt.set(taskId, (commands = new Map()));
    commands.set(commandId, nowMs);
  }

  /** Whether a command of the task waits for its answer. */
  hasUnansweredCommands(taskId: string): boolean {
    return (this.postedAt.get(taskId)?.size ?? 0) > 0;
  }

  /** Called for every appended event: an error answer to a posted command is withheld for a while. */
  eventAppended(taskId: string, event: StoredTaskEvent, nowMs = Date.now()): void {
    const commands = this.postedAt.get(taskId);
    const postedAtMs = commands?.get(event.id);
    if (postedAtMs === undefined || !isAnswer(event)) return;
    commands?.delete(event.id);
    if (event.payload.code === 200) return;
    const releaseAtMs = Math.max(postedAtMs + this.delays.connectMs, nowMs);
    const visibleAtMs = releaseAtMs + this.delays.handlerMs;
    let answers = this.withheld.get(taskId);
    if (!answers) this.withheld.set(taskId, (answers = []));
    answers.push({ timestamp: event.timestamp, releaseAtMs, visibleAtMs });
    // A few ms late on purpose: a timer may fire a millisecond before Date.now() reaches its time.
    for (const atMs of [releaseAtMs, visibleAtMs]) setTimeout(() => this.onChange(taskId), atMs - nowMs + 5).unref();
  }

  /**
   * The events a late-handler client may see now: those before the first withheld answer (the
   * answer and everything after it wait, or the client's cursor would skip it).
   */
  visibleEvents(taskId: string, events: StoredTaskEvent[], nowMs = Date.now()): { events: StoredTaskEvent[]; withheld?: WithheldAnswer } {
    const answers = this.pendingAnswers(taskId, nowMs);
    if (answers.length === 0) return { events };
    const firstHidden = events.findIndex((event) => answers.some((answer) => answer.timestamp === event.timestamp));
    if (firstHidden === -1) return { events };
    const withheld = answers.find((answer) => answer.timestamp === events[firstHidden]?.timestamp);
    return { events: events.slice(0, firstHidden), ...(withheld ? { withheld } : {}) };
  }

  /** How long the last withheld answer of the task still stays out of sight. */
  remainingMs(taskId: string, nowMs = Date.now()): number {
    const answers = this.pendingAnswers(taskId, nowMs);
    return answers.reduce((longest, answer) => Math.max(longest, answer.visibleAtMs - nowMs), 0);
  }

  forget(taskId: string): void {
    this.postedAt.delete(taskId);
    this.withheld.delete(taskId);
  }

  private pendingAnswers(taskId: string, nowMs: number): WithheldAnswer[] {
    const answers = this.withheld.get(taskId);
    if (!answers) return [];
    const pending = answers.filter((answer) => answer.visibleAtMs > nowMs);
    if (pending.length === 0) this.withheld.delete(taskId);
    else if (pending.length !== answers.length) this.withheld.set(taskId, pending);
    return pending;
  }
}

function isAnswer(event: StoredTaskEvent): boolean {
  return (event.name === 'browser_action' || event.name === 'session_action') && typeof event.payload.code === 'number';
}
