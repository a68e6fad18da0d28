import type { ChangeWatch, EventNotifier } from './event-notifier.js';
import { LocalWatches } from './local-watches.js';

/** The embedded mode's notifier: a notify wakes this process's watches synchronously. */
export class InProcessEventNotifier implements EventNotifier {
  private readonly watches = new LocalWatches();

  notify(topic: string): void {
    this.watches.wake(topic);
  }

  watch(topics: readonly string[]): ChangeWatch {
    return this.watches.watch(topics);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
