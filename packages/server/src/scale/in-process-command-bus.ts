import type { CommandBus, MessageHandler, MessageReply, TaskMessage } from './command-bus.js';
import { serverLogger } from '../server-logger.js';

/** The embedded mode's bus: the owner's handler is called directly, in this process. */
export class InProcessCommandBus implements CommandBus {
  private readonly owners = new Map<string, MessageHandler>();
  private readonly kept = new Map<string, TaskMessage[]>();

  async send(taskId: string, message: TaskMessage): Promise<MessageReply> {
    const handler = this.owners.get(taskId);
    if (handler) return handler(message);
    const kept = this.kept.get(taskId) ?? [];
    kept.push(message);
    this.kept.set(taskId, kept);
    return { accepted: true, deferred: true };
  }

  async serve(taskId: string, handler: MessageHandler): Promise<() => Promise<void>> {
    // Messages sent while the kept ones are handed over join the kept list, so order holds.
    for (let message = this.kept.get(taskId)?.shift(); message; message = this.kept.get(taskId)?.shift()) {
      try {
        await handler(message);
      } catch (error) {
        serverLogger.warn({ err: error, taskId, messageKind: message.kind }, 'a message kept for the task failed');
      }
    }
    this.kept.delete(taskId);
    this.owners.set(taskId, handler);
    return async () => {
      if (this.owners.get(taskId) === handler) this.owners.delete(taskId);
      this.kept.delete(taskId);
    };
  }

  async discard(taskId: string): Promise<void> {
    this.kept.delete(taskId);
  }

  async close(): Promise<void> {
    this.owners.clear();
    this.kept.clear();
  }
}
