import { join } from 'node:path';

/** Where a task's recorder spools its frames (and their manifest) until the video is encoded. */
export function recordingFramesDirectory(taskDirectory: string): string {
  return join(taskDirectory, 'recording-frames');
}

/** Where a task's encoded video is kept. */
export function recordingVideoPath(taskDirectory: string): string {
  return join(taskDirectory, 'recording.mp4');
}
