import type { PolledTaskEvent, TaskStatus } from '@open-smooth/protocol';
import type { TaskRecord } from './store/task-record.js';
import { taskResponseToWire, type TaskView } from './wire-format.js';

interface CachedHead {
  status: TaskStatus;
  liveUrl: string;
  recordingUrl: string | null;
  /** `{"r":{...fields` without the closing braces, so events can follow. */
  head: string;
}

/**
 * The JSON body `{"r": <task response>}` of GET /task/{id}, byte for byte what JSON.stringify
 * gives, built from pieces serialized once: the task part per record and view, each event once.
 * Records and events from the cached store are frozen and replaced on change, so identity is
 * the invalidation; other objects simply miss and are serialized as before.
 */
export class TaskResponseBodies {
  private readonly heads = new WeakMap<TaskRecord, CachedHead>();
  private readonly events = new WeakMap<PolledTaskEvent, string>();

  bodyOf(task: TaskRecord, view: TaskView): string {
    const head = this.headOf(task, view);
    if (view.events === undefined) return `${head}}}`;
    let events = '';
    for (const event of view.events) events += events === '' ? this.eventJson(event) : `,${this.eventJson(event)}`;
    // taskResponseToWire puts `events` last, which is where JSON.stringify would write it.
    return `${head},"events":[${events}]}}`;
  }

  private headOf(task: TaskRecord, view: TaskView): string {
    // A downloads URL is computed per request (?downloads=true, rare): not worth keeping.
    // Nor is a queue position, which moves while the record stays the same.
    const cacheable = view.downloadsUrl === undefined && view.queue === undefined && Object.isFrozen(task);
    const cached = cacheable ? this.heads.get(task) : undefined;
    if (cached && cached.status === view.status && cached.liveUrl === view.liveUrl && cached.recordingUrl === view.recordingUrl) return cached.head;
    const { events: _events, ...withoutEvents } = view;
    const json = JSON.stringify({ r: taskResponseToWire(task, withoutEvents) });
    const head = json.slice(0, -2);
    if (cacheable) this.heads.set(task, { status: view.status, liveUrl: view.liveUrl, recordingUrl: view.recordingUrl, head });
    return head;
  }

  private eventJson(event: PolledTaskEvent): string {
    let json = this.events.get(event);
    if (json === undefined) {
      json = JSON.stringify(event);
      if (Object.isFrozen(event)) this.events.set(event, json);
    }
    return json;
  }
}
