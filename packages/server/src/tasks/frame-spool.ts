import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One recorded picture on disk and the time it appeared. */
export interface SpooledFrame {
  fileName: string;
  atMs: number;
  bytes: number;
}

/** Frames handed to the disk and not written yet; past this the recorder waits (keeps only the newest). */
const maxQueuedWrites = 8;

export class FrameSpoolError extends Error {
  override readonly name = 'FrameSpoolError';
}

/**
 * A recording's frames on disk until the video is encoded, within a byte budget: each frame is
 * written as it comes (memory holds only the few still being written), and when the frames on
 * disk outgrow the budget every other one is deleted (the first and the last stay), so the video
 * still covers the whole task at half the frame rate; the recorder then records at half its rate
 * (`intervalFactor`). A long task thus costs at most the budget, however long it runs.
 */
export class FrameSpool {
  readonly #frames: SpooledFrame[] = [];
  #bytes = 0;
  #nextNumber = 0;
  #thinnings = 0;
  #queued = 0;
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    readonly directory: string,
    readonly maxBytes: number,
  ) {}

  /** By how much the recorder should stretch its interval between frames: doubles with every thinning. */
  get intervalFactor(): number {
    return 2 ** this.#thinnings;
  }

  /** Too many frames are still being written: a frame offered now would wait in memory. */
  get busy(): boolean {
    return this.#queued >= maxQueuedWrites;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Empties the folder (what an earlier run left) and creates it, ahead of every write; resolves
   * once done. A failure shows in `settled`, like a failed write.
   */
  prepare(): Promise<void> {
    this.#chain(async () => {
      await rm(this.directory, { recursive: true, force: true });
      await mkdir(this.directory, { recursive: true });
    });
    return this.#writes;
  }

  /** Writes `jpeg` as the next frame, seen at `atMs`. */
  add(jpeg: Buffer, atMs: number): void {
    const fileName = `${String(this.#nextNumber).padStart(6, '0')}.jpg`;
    this.#nextNumber += 1;
    this.#frames.push({ fileName, atMs, bytes: jpeg.length });
    this.#bytes += jpeg.length;
    this.#queued += 1;
    this.#chain(async () => {
      try {
        await writeFile(join(this.directory, fileName), jpeg);
      } finally {
        this.#queued -= 1;
      }
    });
    if (this.#bytes > this.maxBytes) this.#thin();
  }

  /** Waits for every write (and deletion); resolves to the frames on disk, in order. */
  async settled(): Promise<SpooledFrame[]> {
    await this.#writes;
    if (this.#failure) throw new FrameSpoolError(`could not write recording frames: ${String(this.#failure)}`);
    return [...this.#frames];
  }

  #thin(): void {
    if (this.#frames.length <= 2) return;
    const last = this.#frames.length - 1;
    const dropped = this.#frames.filter((_frame, index) => index % 2 === 1 && index !== last);
    const kept = this.#frames.filter((_frame, index) => index % 2 === 0 || index === last);
    this.#frames.splice(0, this.#frames.length, ...kept);
    for (const frame of dropped) this.#bytes -= frame.bytes;
    this.#thinnings += 1;
    // After the writes already queued, some of which may be these very files.
    this.#chain(() => Promise.all(dropped.map((frame) => unlink(join(this.directory, frame.fileName)))).then(() => undefined));
  }

  #chain(work: () => Promise<void>): void {
    this.#writes = this.#writes.then(work).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }
}
