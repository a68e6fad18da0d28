import type { ServerContext } from './server-context.js';
import type { TaskRecord } from './store/task-record.js';

/** The live view: the token in the path is the permission (no API key in a browser tab). "" once the task's data is erased. */
export function liveUrlOf(context: ServerContext, task: TaskRecord): string {
  return task.liveToken === null ? '' : `${context.publicUrl()}/live/${task.id}/${task.liveToken}`;
}

/** `recording_url` as the wire has it: null = not ready yet, "" = there is none, else the video's URL. */
export function recordingUrlOf(context: ServerContext, task: TaskRecord): string | null {
  switch (task.recording) {
    case 'pending':
      return null;
    case 'ready':
      return `${context.publicUrl()}/recordings/${task.downloadsToken}/recording.mp4`;
    default:
      return '';
  }
}
