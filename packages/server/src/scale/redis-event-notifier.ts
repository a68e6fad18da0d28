import type { Redis } from 'ioredis';
import type { ChangeWatch, EventNotifier } from './event-notifier.js';
import { LocalWatches } from './local-watches.js';
import { serverLogger } from '../server-logger.js';

/**
 * Long-poll wake-ups across processes: one Redis pub/sub channel carries every topic, so a watch
 * costs no round trip (the channel is subscribed once, before the first watch) and a notify
 * published after a writer's change reaches every process that watched before reading. A notify
 * also wakes this process's watches at once, without waiting for Redis to echo it.
 */
export class RedisEventNotifier implements EventNotifier {
  private readonly watches = new LocalWatches();

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {}

  /** `connection` publishes (it may be shared); a duplicate of it subscribes. */
  static async connect(connection: Redis, prefix = 'open-smooth'): Promise<RedisEventNotifier> {
    const subscriber = connection.duplicate();
    const notifier = new RedisEventNotifier(connection, subscriber, `${prefix}:notify`);
    subscriber.on('message', (channel: string, topic: string) => {
      if (channel === notifier.channel) notifier.watches.wake(topic);
    });
    subscriber.on('error', (error: unknown) => serverLogger.warn({ err: error }, 'Redis notifier connection error'));
    await subscriber.subscribe(notifier.channel);
    return notifier;
  }

  notify(topic: string): void {
    this.watches.wake(topic);
    this.publisher.publish(this.channel, topic).catch((error: unknown) => {
      // Waiters elsewhere then answer at their long-poll's end instead of at once; nothing is lost.
      serverLogger.warn({ err: error, topic }, 'could not publish a wake-up');
    });
  }

  watch(topics: readonly string[]): ChangeWatch {
    return this.watches.watch(topics);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
