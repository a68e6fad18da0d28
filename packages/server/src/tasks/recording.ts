import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import type { FrameSource, ScreencastFrame } from '@open-smooth/browser';
import { FrameSpool, FrameSpoolError, type SpooledFrame } from './frame-spool.js';
import { serverLogger } from '../server-logger.js';

/** The recorder keeps at most this many frames per second; the page's own pace when it is slower. */
const recordedFramesPerSecond = 5;
/**
 * The longest side of a recorded picture: enough to read a page in the video, and less than half
 * the pixels of the live view's, so each frame costs Chromium less to encode and the disk less.
 */
const recordedFrameSide = 800;
/**
 * How long after the task's first settle the screencast starts. A session that navigates and
 * closes within it never starts one (its video is the one picture taken at the settle): the
 * screencast's start, first frame and stop cost more than that picture.
 */
const screencastDelayMs = 1_000;
/** The most a recording's frames take on disk before encoding (see FrameSpool): ~20 minutes at full rate. */
const maxSpooledBytes = 256 * 1024 * 1024;
const ffmpegPath = process.env.SMOOTH_FFMPEG_PATH?.trim() || 'ffmpeg';

/** What a recording left behind once stopped: the frames on disk and the time span they cover. */
export interface StoppedRecording {
  directory: string;
  frames: SpooledFrame[];
  startMs: number;
  endMs: number;
  width: number;
  height: number;
}

export class RecordingEncodeError extends Error {
  override readonly name = 'RecordingEncodeError';
}

/** Written next to the frames when a recording stops: everything encoding needs, even after a restart. */
const manifestName = 'recording.json';

/**
 * Records one task's browser while it runs: frames from the frame source are written to disk as
 * they come (an idle page sends none, so it costs nothing), at most a few per second, each with
 * the time it appeared, within a byte budget (FrameSpool thins them past it). Encoding is lazy: `encodeRecording` runs when the video is first asked
 * for, so a task whose video nobody watches never pays for ffmpeg.
 */
export class TaskRecorder {
  readonly #directory: string;
  readonly #spool: FrameSpool;
  readonly #startMs: number;
  #unsubscribe: (() => void) | undefined;
  /** A frame that came sooner than the frame rate allows: written when its slot comes, unless a newer one replaces it. */
  #pending: ScreencastFrame | undefined;
  #pendingTimer: NodeJS.Timeout | undefined;
  #lastWrittenMs = 0;
  /** Set by the first frame written: also "nothing written yet" while undefined. */
  #size: { width: number; height: number } | undefined;
  readonly #source: FrameSource;
  /** The picture taken when the first page settled (see start), while it is being taken. */
  #firstPicture: Promise<void> | undefined;
  #pageReleased: Promise<void> | undefined;
  /** When the recording stopped listening: the video ends there. */
  #endMs: number | undefined;

  private constructor(source: FrameSource, directory: string, startMs: number) {
    this.#source = source;
    this.#directory = directory;
    this.#startMs = startMs;
    this.#spool = new FrameSpool(directory, maxSpooledBytes);
  }

  /**
   * Starts recording `frames`. The video's clock starts at `startMs` (when the task started
   * running, its browser's start included), so it lasts as long as the task did. With `startAfter`
   * (the task's first settle) one picture is taken then, and the screencast starts only
   * screencastDelayMs after it: the first page loads without paying for frames, and its picture
   * stands for the time before it (see concatList). Returns at once: the spool prepares its folder
   * ahead of the first write (a failure shows at stop).
   */
  static start(frames: FrameSource, directory: string, startMs = Date.now(), startAfter?: Promise<unknown>): TaskRecorder {
    const recorder = new TaskRecorder(frames, directory, startMs);
    void recorder.#spool.prepare();
    void startAfter?.then(() => {
      if (recorder.#unsubscribe && recorder.#size === undefined) recorder.#firstPicture = recorder.#takePicture();
    });
    recorder.#unsubscribe = frames.subscribe((frame) => recorder.#onFrame(frame), {
      maxFramesPerSecond: recordedFramesPerSecond,
      maxFrameSide: recordedFrameSide,
      ...(startAfter ? { startAfter: startAfter.then(() => new Promise((resolve) => setTimeout(resolve, screencastDelayMs).unref())) } : {}),
    });
    return recorder;
  }

  /**
   * Stops listening and takes what it still needs from the page (the first picture), so that the
   * page's context can go back to the pool before the frames are on disk. Called once by the first
   * caller; `stop` calls it too.
   */
  releasePage(): Promise<void> {
    this.#pageReleased ??= (async () => {
      this.#endMs = Date.now();
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      clearTimeout(this.#pendingTimer);
      if (this.#pending) this.#write(this.#pending);
      this.#pending = undefined;
      await this.#firstPicture;
      // A task that ended before any picture (its page never settled) still gets one of what it showed.
      if (this.#size === undefined) await this.#takePicture();
    })();
    return this.#pageReleased;
  }

  /** Stops listening, waits for every frame to be on disk and writes the manifest; resolves to it. */
  async stop(): Promise<StoppedRecording> {
    await this.releasePage();
    const endMs = this.#endMs ?? Date.now();
    let frames: SpooledFrame[];
    try {
      frames = await this.#spool.settled();
    } catch (error) {
      throw error instanceof FrameSpoolError ? new RecordingEncodeError(error.message) : error;
    }
    const recording: StoppedRecording = { directory: this.#directory, frames, startMs: this.#startMs, endMs, ...(this.#size ?? { width: 0, height: 0 }) };
    await writeFile(join(this.#directory, manifestName), JSON.stringify(recording));
    return recording;
  }

  /** Writes a picture of the active tab now, outside the screencast. */
  async #takePicture(): Promise<void> {
    const picture = await this.#source.capture({ maxFrameSide: recordedFrameSide }).catch((error: unknown) => {
      serverLogger.warn({ err: error }, 'recording: a picture of the page could not be taken');
      return undefined;
    });
    // A screencast frame may have come meanwhile: it is newer.
    if (picture && this.#size === undefined) this.#write(picture);
  }

  #onFrame(frame: ScreencastFrame): void {
    // Slower once the spool has thinned its frames; never more writes in flight than it allows.
    const intervalMs = (1000 / recordedFramesPerSecond) * this.#spool.intervalFactor;
    const dueAtMs = this.#lastWrittenMs + intervalMs;
    if (Date.now() >= dueAtMs && !this.#spool.busy) {
      this.#write(frame);
      return;
    }
    this.#pending = frame;
    this.#pendingTimer ??= setTimeout(() => {
      this.#pendingTimer = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending && this.#unsubscribe) this.#onFrame(pending);
    }, Math.max(dueAtMs - Date.now(), intervalMs / 4));
  }

  #write(frame: ScreencastFrame): void {
    const atMs = Date.now();
    this.#lastWrittenMs = atMs;
    this.#size ??= { width: frame.width, height: frame.height };
    this.#spool.add(frame.jpeg, atMs);
  }
}

/** ffmpeg's concat list: each picture shown from its time until the next one's, the last until the end. */
function concatList(recording: StoppedRecording): string {
  const lines = ['ffconcat version 1.0'];
  recording.frames.forEach((frame, index) => {
    // The first picture stands for what the browser showed from the start of the task.
    const fromMs = index === 0 ? recording.startMs : frame.atMs;
    const untilMs = recording.frames[index + 1]?.atMs ?? recording.endMs;
    lines.push(`file '${frame.fileName}'`, `duration ${Math.max(0.001, (untilMs - fromMs) / 1000).toFixed(3)}`);
  });
  // The concat demuxer applies a duration only to a file that has a successor.
  const last = recording.frames.at(-1);
  if (last) lines.push(`file '${last.fileName}'`);
  return `${lines.join('\n')}\n`;
}

const even = (value: number): number => Math.max(2, Math.floor(value / 2) * 2);

/** The recording a stopped recorder left in `directory`, or undefined when there is none. */
export async function readStoppedRecording(directory: string): Promise<StoppedRecording | undefined> {
  const text = await readFile(join(directory, manifestName), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The folder may have moved with the data directory since it was written.
  return { ...(JSON.parse(text) as StoppedRecording), directory };
}

/**
 * Encodes a stopped recording to an H.264 MP4 at `outputPath` (variable frame rate, so the video
 * lasts as long as the task did however few frames there were) and deletes the frames. Resolves to
 * false when there was no frame to encode. ffmpeg runs at a low CPU priority.
 */
export async function encodeRecording(recording: StoppedRecording, outputPath: string): Promise<boolean> {
  try {
    if (recording.frames.length === 0) return false;
    const listPath = join(recording.directory, 'frames.ffconcat');
    await writeFile(listPath, concatList(recording));
    const width = even(recording.width);
    const height = even(recording.height);
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'concat', '-safe', '0', '-i', listPath,
      // Pictures of another size (a tab with another viewport) are fitted into the first one's frame.
      '-vf', `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`,
      '-vsync', 'vfr',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-tune', 'stillimage',
      '-movflags', '+faststart',
      outputPath,
    ]);
    return true;
  } finally {
    await rm(recording.directory, { recursive: true, force: true });
  }
}

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // Encoding is background work: tasks still running come first.
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 15);
      } catch {
        // Lowering priority is a courtesy; some systems refuse it.
      }
    }
    let errorOutput = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (errorOutput.length < 4000) errorOutput += chunk.toString('utf8');
    });
    child.once('error', (error) => reject(new RecordingEncodeError(`could not run ${ffmpegPath}: ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new RecordingEncodeError(`ffmpeg exited with code ${code}: ${errorOutput.trim()}`));
    });
  });
}
