import type { StoredTaskEvent } from '@open-smooth/protocol';

/**
 * How long an error answer stays out of sight of a client that attaches its answer handler late.
 *
 * The official TS client posts a command, then GETs the task, then waits a random 0–1 s, and only
 * then attaches the handler that catches the command's failure. A poll it already had in flight
 * may bring the answer sooner; an error rejects a promise nobody handles yet, and Node's default
 * unhandled-rejection mode kills the user's process. So an error answer is shown no sooner than:
 * - `afterPostMs` after its command was posted: covers the GET that follows the POST (answered at
 *   once, see below) plus the stagger of up to 1 s, with 1.2 s to spare for the network;
 * - `afterAnswerMs` after the answer was produced: a GET that was long-polling when the answer
 *   arrived is answered then, so the client's stagger starts then (up to 1 s, 0.2 s to spare).
 * Until then every poll of the task answers at once without it (and without a heartbeat, so the
 * client's poller sleeps its 1 s between polls instead of spinning); the handle cannot be left by
 * its last user meanwhile, because that user is waiting for this very answer.
 * A success answer only resolves a promise, which is harmless however early: it is never delayed.
 */
export const errorAnswerDelays = { afterPostMs: 2200, afterAnswerMs: 1200 };

interface WithheldAnswer {
  timestamp: number;
  visibleAtMs: number;
}

/** Remembers when commands were posted and hides the error answers to them until they are safe to show. */
export class ErrorAnswerDelay {
  private readonly postedAt = new Map<string, Map<string, number>>();
  private readonly withheld = new Map<string, WithheldAnswer[]>();

  constructor(private readonly delays = errorAnswerDelays) {}

  commandPosted(taskId: string, commandId: string, nowMs = Date.now()): void {
    let commands = this.postedAt.get(taskId);
    if (!commands) this.postedAt.set(taskId, (commands = new Map()));
    commands.set(commandId, nowMs);
  }

  /** Called for every appended event: an error answer to a posted command is withheld for a while. */
  eventAppended(taskId: string, event: StoredTaskEvent, nowMs = Date.now()): void {
    const commands = this.postedAt.get(taskId);
    const postedAtMs = commands?.get(event.id);
    if (postedAtMs === undefined || !isAnswer(event)) return;
    commands?.delete(event.id);
    if (event.payload.code === 200) return;
    const visibleAtMs = Math.max(postedAtMs + this.delays.afterPostMs, nowMs + this.delays.afterAnswerMs);
    let answers = this.withheld.get(taskId);
    if (!answers) this.withheld.set(taskId, (answers = []));
    answers.push({ timestamp: event.timestamp, visibleAtMs });
  }

  /**
   * The events a late-handler client may see now: those before the first withheld answer (the
   * answer and everything after it wait, or the client's cursor would skip it).
   */
  visibleEvents(taskId: string, events: StoredTaskEvent[], nowMs = Date.now()): { events: StoredTaskEvent[]; withheld: boolean } {
    const answers = this.pendingAnswers(taskId, nowMs);
    if (answers.length === 0) return { events, withheld: false };
    const firstHidden = events.findIndex((event) => answers.some((answer) => answer.timestamp === event.timestamp));
    if (firstHidden === -1) return { events, withheld: false };
    return { events: events.slice(0, firstHidden), withheld: true };
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
