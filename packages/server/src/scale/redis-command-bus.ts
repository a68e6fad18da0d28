import { randomBytes } from 'node:crypto';
import { errorMessage } from '@open-smooth/protocol';
import type { Redis } from 'ioredis';
import type { CommandBus, MessageHandler, MessageReply, TaskMessage } from './command-bus.js';
import { serverLogger } from '../server-logger.js';

interface MailboxEntry {
  requestId: string;
  /** The sender's reply channel. */
  replyTo: string;
  /** The TaskMessage as JSON, sealed: commands carry what the task must keep secret (run_task secrets, tool outputs). */
  sealedMessage: string;
}

/** Seals what crosses Redis (the store's SecretSealer: every process of a deployment shares its key). */
export interface MessageSealer {
  seal(text: string): string;
  unseal(sealed: string): string;
}

interface ReplyEnvelope {
  requestId: string;
  reply: MessageReply;
}

interface PendingReply {
  resolve: (reply: MessageReply) => void;
  timer: NodeJS.Timeout;
  retry: NodeJS.Timeout;
}

/** How long a sender waits for the owner's reply before saying the worker did not answer. */
const defaultReplyTimeoutMs = 15_000;
/**
 * Pub/sub drops what is published while a subscriber reconnects (a Redis restart), so a sender
 * that has no reply yet looks for the stored reply and rings again this often.
 */
const resendAfterMs = 1000;
/** A stored reply outlives any sender's wait. */
const replyTtlSeconds = 60;

/**
 * Commands across processes. Each task has a mailbox (a Redis list, so messages sent while the
 * task waits in the queue survive until a worker takes it, and keep their order) and, while a
 * worker runs it, an owner key naming that worker. A sender pushes to the mailbox and rings one
 * pub/sub doorbell; the owner drains the mailbox one message at a time and publishes each reply on
 * the sender's own reply channel.
 */
export class RedisCommandBus implements CommandBus {
  private readonly processId = randomBytes(8).toString('hex');
  private readonly handlers = new Map<string, MessageHandler>();
  /** One drain at a time per task, so its messages are handled in order. */
  private readonly drains = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, PendingReply>();

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly replyTimeoutMs: number,
    private readonly sealer: MessageSealer,
  ) {}

  static async connect(connection: Redis, options: { sealer: MessageSealer; prefix?: string; replyTimeoutMs?: number }): Promise<RedisCommandBus> {
    const bus = new RedisCommandBus(connection, connection.duplicate(), options.prefix ?? 'open-smooth', options.replyTimeoutMs ?? defaultReplyTimeoutMs, options.sealer);
    bus.subscriber.on('message', (channel: string, text: string) => bus.received(channel, text));
    bus.subscriber.on('error', (error: unknown) => serverLogger.warn({ err: error }, 'Redis command bus connection error'));
    await bus.subscriber.subscribe(bus.doorbellChannel, bus.replyChannel);
    // Back after a reconnect: doorbells rung meanwhile were lost, so look into every mailbox served here.
    bus.subscriber.on('ready', () => {
      for (const taskId of bus.handlers.keys()) void bus.drain(taskId);
    });
    return bus;
  }

  private get doorbellChannel(): string {
    return `${this.prefix}:mail`;
  }

  private get replyChannel(): string {
    return `${this.prefix}:reply:${this.processId}`;
  }

  private mailboxKey(taskId: string): string {
    return `${this.prefix}:mailbox:${taskId}`;
  }

  private ownerKey(taskId: string): string {
    return `${this.prefix}:owner:${taskId}`;
  }

  private replyKey(requestId: string): string {
    return `${this.prefix}:answer:${requestId}`;
  }

  async send(taskId: string, message: TaskMessage): Promise<MessageReply> {
    const requestId = randomBytes(9).toString('base64url');
    const entry: MailboxEntry = { requestId, replyTo: this.replyChannel, sealedMessage: this.sealer.seal(JSON.stringify(message)) };
    const reply = new Promise<MessageReply>((resolve) => {
      const timer = setTimeout(() => {
        this.settle(requestId, { accepted: false, unreachable: true, reason: `the worker running task ${taskId} did not answer within ${this.replyTimeoutMs / 1000} s; try again` });
      }, this.replyTimeoutMs);
      const retry = setInterval(() => void this.lookAgain(taskId, requestId), resendAfterMs);
      this.pending.set(requestId, { resolve, timer, retry });
    });
    // Owner read in the same transaction as the push: a worker that starts serving later drains it.
    const results = await this.client.multi().rpush(this.mailboxKey(taskId), JSON.stringify(entry)).get(this.ownerKey(taskId)).exec();
    const owner = results?.[1]?.[1];
    if (typeof owner !== 'string') {
      this.settle(requestId, { accepted: true, deferred: true });
      return reply;
    }
    await this.client.publish(this.doorbellChannel, taskId);
    return reply;
  }

  /** No reply yet: it may have been published while this process reconnected, or the doorbell lost. */
  private async lookAgain(taskId: string, requestId: string): Promise<void> {
    try {
      const stored = await this.client.get(this.replyKey(requestId));
      if (stored !== null) return this.settle(requestId, (JSON.parse(stored) as ReplyEnvelope).reply);
      if (this.pending.has(requestId)) await this.client.publish(this.doorbellChannel, taskId);
    } catch (error) {
      serverLogger.warn({ err: error, taskId }, 'still waiting for a command reply');
    }
  }

  async serve(taskId: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.handlers.set(taskId, handler);
    await this.client.set(this.ownerKey(taskId), this.processId);
    await this.drain(taskId);
    return async () => {
      if (this.handlers.get(taskId) !== handler) return;
      this.handlers.delete(taskId);
      await this.client.del(this.ownerKey(taskId), this.mailboxKey(taskId));
    };
  }

  async discard(taskId: string): Promise<void> {
    await this.client.del(this.mailboxKey(taskId));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    for (const requestId of [...this.pending.keys()]) this.settle(requestId, { accepted: false, unreachable: true, reason: 'the server is shutting down' });
  }

  private received(channel: string, text: string): void {
    if (channel === this.doorbellChannel) {
      if (this.handlers.has(text)) void this.drain(text);
      return;
    }
    if (channel !== this.replyChannel) return;
    try {
      const envelope = JSON.parse(text) as ReplyEnvelope;
      this.settle(envelope.requestId, envelope.reply);
    } catch (error) {
      serverLogger.warn({ err: error }, 'unreadable command reply');
    }
  }

  private settle(requestId: string, reply: MessageReply): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    clearInterval(pending.retry);
    pending.resolve(reply);
  }

  /** Handles the task's mailbox to the end, after any drain already under way. */
  private drain(taskId: string): Promise<void> {
    const previous = this.drains.get(taskId) ?? Promise.resolve();
    const next = previous.then(() => this.drainNow(taskId));
    this.drains.set(taskId, next);
    void next.finally(() => {
      if (this.drains.get(taskId) === next) this.drains.delete(taskId);
    });
    return next;
  }

  private async drainNow(taskId: string): Promise<void> {
    for (;;) {
      const handler = this.handlers.get(taskId);
      if (!handler) return;
      let text: string | null;
      try {
        text = await this.client.lpop(this.mailboxKey(taskId));
      } catch (error) {
        serverLogger.warn({ err: error, taskId }, 'could not read the task mailbox');
        return;
      }
      if (text === null) return;
      let entry: MailboxEntry;
      let message: TaskMessage;
      try {
        entry = JSON.parse(text) as MailboxEntry;
        message = JSON.parse(this.sealer.unseal(entry.sealedMessage)) as TaskMessage;
      } catch (error) {
        serverLogger.warn({ err: error, taskId }, 'dropped an unreadable message');
        continue;
      }
      let reply: MessageReply;
      try {
        reply = await handler(message);
      } catch (error) {
        reply = { accepted: false, reason: errorMessage(error) };
      }
      const envelope = JSON.stringify({ requestId: entry.requestId, reply } satisfies ReplyEnvelope);
      // Stored as well as published: a sender that missed the message finds it (lookAgain).
      await this.client
        .multi()
        .set(this.replyKey(entry.requestId), envelope, 'EX', replyTtlSeconds)
        .publish(entry.replyTo, envelope)
        .exec()
        .catch((error: unknown) => {
          serverLogger.warn({ err: error, taskId }, 'could not send a command reply');
        });
    }
  }
}
