import type { ChangeWatch } from './event-notifier.js';

/** The watches of this process by topic; both notifiers keep theirs here. */
export class LocalWatches {
  private readonly byTopic = new Map<string, Set<() => void>>();

  watch(topics: readonly string[]): ChangeWatch {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      for (const topic of topics) {
        const watching = this.byTopic.get(topic);
        watching?.delete(fire);
        if (watching?.size === 0) this.byTopic.delete(topic);
      }
    };
    const fire = () => {
      close();
      wake();
    };
    for (const topic of topics) {
      let watching = this.byTopic.get(topic);
      if (!watching) this.byTopic.set(topic, (watching = new Set()));
      watching.add(fire);
    }
    return { changed, close };
  }

  wake(topic: string): void {
    const watching = this.byTopic.get(topic);
    if (!watching) return;
    for (const fire of [...watching]) fire();
  }

  get size(): number {
    return this.byTopic.size;
  }
}
