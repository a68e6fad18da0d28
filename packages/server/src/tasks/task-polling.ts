import { isFinishedTaskStatus, type HeartbeatEvent, type PolledTaskEvent, type TaskStatus } from '@open-smooth/protocol';
import { queueTopic, taskTopic, waitForChange, type EventNotifier } from '../scale/event-notifier.js';
import type { QueueStanding, TaskQueue } from '../scale/task-queue.js';
import type { TaskRecord, TaskStore } from '../store/task-record.js';
import type { WithheldAnswer } from './error-answer-delay.js';
import type { FinishGate } from './finish-gate.js';
import type { TaskEventLog } from './task-event-log.js';

export interface TaskPollingOptions {
  store: TaskStore;
  eventLog: TaskEventLog;
  queue: TaskQueue;
  notifier: EventNotifier;
  /** Shared by every process that ends or polls the tasks (Redis in distributed mode). */
  finishGate: FinishGate;
  /** How long a finished task may read `running` while its last answer waits for a poll. */
  finishGraceMs: number;
}

/** What a poll with event_t answers: the status and the events after event_t (or a heartbeat). */
export interface TaskPoll {
  status: TaskStatus;
  events: PolledTaskEvent[];
}

export interface PollOptions {
  /** The client attaches answer handlers before posting (our SDK): error answers need not wait. */
  handlersFirst?: boolean;
  /** When the poll request arrived (what a withheld error answer's release is measured against). */
  startedAtMs?: number;
}

/**
 * What polls read of a task: its visible status (the finish gate), its events as each client may
 * see them (withheld error answers, heartbeats) and the long-poll that waits for news. The API side
 * of every process; what it shares with other processes is in the gate and the event log's book.
 */
export class TaskPolling {
  /** Wake-ups at the end of finish holds (cleared at shutdown: the notifier is closed then). */
  private readonly holdEnds = new Set<NodeJS.Timeout>();

  constructor(private readonly options: TaskPollingOptions) {}

  private get eventLog(): TaskEventLog {
    return this.options.eventLog;
  }

  /** A task's final state is stored: its status reads `running` until a poll fetched its last events (or the hold runs out). */
  async holdFinished(taskId: string): Promise<void> {
    // The grace period starts once no error answer is withheld any more.
    const holdMs = (await this.eventLog.errorAnswers.remainingMs(taskId)) + this.options.finishGraceMs;
    if (await this.options.finishGate.holdUntilDelivered(taskId, await this.eventLog.lastTimestamp(taskId), holdMs)) {
      // Polls held meanwhile read the final status once the hold runs out (wakes every process's polls).
      const timer = setTimeout(() => {
        this.holdEnds.delete(timer);
        this.eventLog.notify(taskId);
      }, holdMs + 5);
      timer.unref();
      this.holdEnds.add(timer);
    }
    this.eventLog.notify(taskId);
  }

  /** Status as clients see it: `running` while a finished task's last answer awaits a poll. */
  async visibleStatus(task: TaskRecord): Promise<TaskStatus> {
    return (await this.visibleState(task)).status;
  }

  /** The visible status and the record as stored now. */
  private async visibleState(task: TaskRecord): Promise<{ status: TaskStatus; current: TaskRecord }> {
    const current = (await this.options.store.getTask(task.id)) ?? task;
    const held = isFinishedTaskStatus(current.status) && (await this.options.finishGate.isHeld(task.id));
    return { status: held ? 'running' : current.status, current };
  }

  /** Why a waiting task waits and its place in its key's queue; undefined once it runs. */
  queueStanding(task: TaskRecord): Promise<QueueStanding | undefined> {
    return this.options.queue.standing({ taskId: task.id, key: task.tenant });
  }

  /**
   * Events after `afterTimestamp`; while the task is live and nothing is new, waits up to
   * `longPollMs` for an event, a status change or (while it waits) a change of its queue position.
   */
  async poll(task: TaskRecord, afterTimestamp: number, longPollMs: number, signal: AbortSignal, options: PollOptions = {}): Promise<TaskPoll> {
    const deadline = Date.now() + longPollMs;
    let before: string | undefined;
    // Only a waiting task's answer depends on its key's queue; a running task's poll is not woken
    // by every start and cancel within its key (a session's poll would otherwise read the store
    // again each time another task of its key starts). A task never goes back to waiting, so the
    // status read last decides what the next watch covers.
    let waiting = task.status === 'waiting';
    for (;;) {
      // Watch before reading, so a change made while this reads is not missed.
      const watch = this.options.notifier.watch(waiting ? [taskTopic(task.id), queueTopic(task.tenant)] : [taskTopic(task.id)]);
      const remaining = deadline - Date.now();
      const { answer, withheld } = await this.pollOnce(task, afterTimestamp, remaining <= 0 || signal.aborted, options);
      if (answer) {
        watch.close();
        return answer;
      }
      // What a client reads besides events: a changed status or queue position answers the poll.
      const standing = await this.standingSignature(task);
      if (before !== undefined && standing !== before) {
        watch.close();
        return (await this.pollNow(task, afterTimestamp, true, options)) as TaskPoll;
      }
      before = standing;
      waiting = standing.startsWith('waiting');
      await waitForChange(watch, Math.min(remaining, this.untilWithheldChanges(withheld)), signal);
    }
  }

  private async standingSignature(task: TaskRecord): Promise<string> {
    const status = await this.visibleStatus(task);
    if (status !== 'waiting') return status;
    const standing = await this.queueStanding(task);
    return `waiting ${standing?.position ?? '-'} ${standing?.reason ?? ''}`;
  }

  /**
   * The poll's answer when it need not wait (news, a finished task, a fresh task's first poll, a
   * withheld error answer's release, or `force`), else undefined: most polls answer at once,
   * without the machinery a wait needs. A live task's answer is never empty: with no news it
   * carries a heartbeat (the official clients sleep after an empty one; see ErrorAnswerDelay).
   */
  async pollNow(task: TaskRecord, afterTimestamp: number, force = false, options: PollOptions = {}): Promise<TaskPoll | undefined> {
    return (await this.pollOnce(task, afterTimestamp, force, options)).answer;
  }

  /**
   * A withheld answer this poll waits behind changes its answer at its release and when it shows:
   * the process that withheld it wakes every poll then, and each poll also looks again by itself,
   * so a worker that died meanwhile does not leave it waiting for the whole long-poll.
   */
  private untilWithheldChanges(withheld: WithheldAnswer | undefined): number {
    if (!withheld) return Number.POSITIVE_INFINITY;
    const now = Date.now();
    // A few ms late on purpose: a timer may fire a millisecond before Date.now() reaches its time.
    return (now < withheld.releaseAtMs ? withheld.releaseAtMs : withheld.visibleAtMs) - now + 5;
  }

  /** pollNow, with the withheld answer (if any) that kept events from it. */
  private async pollOnce(task: TaskRecord, afterTimestamp: number, force: boolean, options: PollOptions): Promise<{ answer: TaskPoll | undefined; withheld?: WithheldAnswer }> {
    const visible = await this.visibleState(task);
    let status = visible.status;
    const stored = await this.options.store.listEvents(task.id, afterTimestamp);
    const now = Date.now();
    const { events, withheld } = options.handlersFirst ? { events: stored, withheld: undefined } : await this.eventLog.errorAnswers.visibleEvents(task.id, stored, now);
    // An answer this poll may not see yet keeps the task live for it (the gate holds it as long once set, but in
    // distributed mode the worker sets it a few round trips after storing the final status).
    if (withheld !== undefined && isFinishedTaskStatus(status)) status = 'running';
    const finished = isFinishedTaskStatus(status);
    // A task that never had an event: its first poll (the official client's liveUrl()) must not
    // wait, unless a command's answer is on its way (then that answer is what the poll waits for).
    const freshTask = afterTimestamp === 0 && (await this.eventLog.lastTimestamp(task.id)) === 0 && !(await this.eventLog.errorAnswers.hasUnansweredCommands(task.id));
    // Polls begun before a withheld answer's release are answered then, without it.
    const released = withheld !== undefined && now >= withheld.releaseAtMs && (options.startedAtMs ?? now) < withheld.releaseAtMs;
    if (events.length === 0 && !finished && !force && !freshTask && !released) return { answer: undefined, ...(withheld ? { withheld } : {}) };
    const last = events.at(-1);
    if (last) {
      // The hold's release wakes the task's other polls, which read the final status then.
      if (await this.options.finishGate.recordDelivered(task.id, last.timestamp)) this.eventLog.notify(task.id);
      if (finished && (this.finishedWithinGrace(visible.current, now) || (await this.options.finishGate.inGracePeriod(task.id)))) status = 'running';
    }
    if (events.length > 0 || finished) return { answer: { status, events } };
    return { answer: { status, events: [await this.heartbeat(task.id, afterTimestamp, status)] } };
  }

  /**
   * Whether the task's final status was stored less than the grace period ago: the grace period
   * already, before the process that ended it (a worker, in distributed mode) has set the gate.
   */
  private finishedWithinGrace(task: TaskRecord, nowMs: number): boolean {
    return task.finishedAtMs !== null && nowMs - task.finishedAtMs < this.options.finishGraceMs;
  }

  /**
   * At the client's own cursor (never past an event it has not seen, withheld ones included); a
   * client without one yet (0) gets it moved off 0, so that its next poll waits.
   */
  private async heartbeat(taskId: string, afterTimestamp: number, status: TaskStatus): Promise<HeartbeatEvent> {
    const timestamp = afterTimestamp === 0 ? await this.cursorOffZero(taskId) : afterTimestamp;
    return { id: null, name: 'heartbeat', payload: { status: status === 'waiting' ? 'waiting' : 'running' }, timestamp };
  }

  /**
   * A reserved timestamp: the store keeps it, so every later event gets a greater one whichever
   * process appends it (what this process remembers of the log is no guide: another API process may
   * have reserved, a worker appended). When the task has an event already (one stored while this
   * reserved, or an error answer withheld from the poll), the cursor stays at 0: it must not pass it.
   */
  private async cursorOffZero(taskId: string): Promise<number> {
    const reserved = await this.eventLog.reserveTimestamp(taskId);
    return (await this.options.store.listEvents(taskId, 0)).length === 0 ? reserved : 0;
  }

  async close(): Promise<void> {
    for (const timer of this.holdEnds) clearTimeout(timer);
    this.holdEnds.clear();
    await this.options.finishGate.close();
  }
}
