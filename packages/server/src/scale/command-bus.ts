import type { SessionCommand } from '../tasks/session-command.js';

/** What the API side sends to the process that runs a task (its owner). Plain JSON. */
export type TaskMessage =
  /** `postedAtMs`: when the API side took the POST (an error answer is withheld from it on; see ErrorAnswerDelay). */
  | { kind: 'command'; command: SessionCommand; postedAtMs: number }
  | { kind: 'tool_answer'; id: string; code: 200 | 400 | 500; output: unknown }
  | { kind: 'cancel'; reason: string };

/**
 * The owner's answer to a message; `deferred` when the task had no owner yet and the message was
 * kept for it; `unreachable` when no answer came (the owner is gone or the bus is down), not a refusal.
 */
export type MessageReply = { accepted: true; deferred?: boolean } | { accepted: false; reason: string; unreachable?: boolean };

export type MessageHandler = (message: TaskMessage) => MessageReply | Promise<MessageReply>;

/**
 * Routes session commands, custom-tool answers and cancellations to the process that holds the
 * task's browser. A message for a task nobody runs yet (it waits in the queue) is kept, in order,
 * and handed to the owner when it starts serving. Implementations: `InProcessCommandBus`,
 * `RedisCommandBus`.
 */
export interface CommandBus {
  /** Delivers `message` to the task's owner; resolves with its reply (or `deferred`). */
  send(taskId: string, message: TaskMessage): Promise<MessageReply>;
  /**
   * This process owns the task from now on: kept messages are handed over first, in the order they
   * were sent, then every new one. Resolves with a function that stops serving and drops whatever
   * is still kept for the task.
   */
  serve(taskId: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /** Drops the messages kept for a task that ended without an owner (cancelled while waiting). */
  discard(taskId: string): Promise<void>;
  close(): Promise<void>;
}

export const notRunningReply = (taskId: string): MessageReply => ({ accepted: false, reason: `task ${taskId} has finished and accepts no more events` });
