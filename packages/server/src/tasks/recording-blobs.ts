import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, type BlobStore } from '../blobs/blob-store.js';
import { blobKeys } from '../blobs/blob-keys.js';
import { encodeRecording, type StoppedRecording } from './recording.js';

/** A recorded frame inside the packed frames blob. */
interface PackedFrame {
  fileName: string;
  atMs: number;
  offset: number;
  bytes: number;
}

/** What encoding needs besides the frames; stored beside them as JSON. */
interface RecordingManifest {
  frames: PackedFrame[];
  startMs: number;
  endMs: number;
  width: number;
  height: number;
}

async function* concatenated(directory: string, frames: readonly PackedFrame[]): AsyncGenerator<Buffer> {
  for (const frame of frames) {
    for await (const chunk of createReadStream(join(directory, frame.fileName))) yield chunk as Buffer;
  }
}

/**
 * Keeps a stopped recording in the blob store until someone watches it: its frames packed into one
 * blob (one request instead of one per frame) plus a manifest. Encoding stays lazy and may run in
 * any process. False when there is no frame to keep.
 */
export async function storeRecording(blobs: BlobStore, taskId: string, recording: StoppedRecording): Promise<boolean> {
  if (recording.frames.length === 0) return false;
  const frames: PackedFrame[] = [];
  let offset = 0;
  for (const frame of recording.frames) {
    const { size } = await stat(join(recording.directory, frame.fileName));
    frames.push({ fileName: frame.fileName, atMs: frame.atMs, offset, bytes: size });
    offset += size;
  }
  const packPath = join(recording.directory, 'frames.bin');
  await pipeline(concatenated(recording.directory, frames), createWriteStream(packPath));
  await blobs.putFile(blobKeys.recordingFrames(taskId), packPath, { move: true });
  const manifest: RecordingManifest = { frames, startMs: recording.startMs, endMs: recording.endMs, width: recording.width, height: recording.height };
  // The manifest last: its presence says the frames are complete.
  await blobs.put(blobKeys.recordingManifest(taskId), Buffer.from(JSON.stringify(manifest)));
  return true;
}

/**
 * Makes sure the task's video blob exists: encodes the stored frames (in a scratch folder under
 * `workDirectory`), stores the MP4 and drops the frames. False when there is nothing to encode.
 */
export async function encodeStoredRecording(blobs: BlobStore, taskId: string, workDirectory: string): Promise<boolean> {
  const videoKey = blobKeys.recordingVideo(taskId);
  if (await blobs.stat(videoKey)) return true;
  const manifestBytes = await blobs.read(blobKeys.recordingManifest(taskId)).catch((error: unknown) => {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  });
  if (!manifestBytes) return false;
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as RecordingManifest;
  await mkdir(workDirectory, { recursive: true });
  const scratch = await mkdtemp(join(workDirectory, `encode-${taskId}-`));
  try {
    const packPath = join(scratch, 'frames.bin');
    try {
      await blobs.copyToFile(blobKeys.recordingFrames(taskId), packPath);
    } catch (error) {
      // Another process may have encoded it and dropped the frames meanwhile.
      if (error instanceof BlobNotFoundError && (await blobs.stat(videoKey))) return true;
      throw error;
    }
    const framesDirectory = join(scratch, 'frames');
    await unpackFrames(packPath, manifest.frames, framesDirectory);
    const videoPath = join(scratch, 'recording.mp4');
    const recording: StoppedRecording = { ...manifest, directory: framesDirectory, frames: manifest.frames.map(({ fileName, atMs, bytes }) => ({ fileName, atMs, bytes })) };
    if (!(await encodeRecording(recording, videoPath))) return false;
    await blobs.putFile(videoKey, videoPath, { move: true });
    await blobs.delete(blobKeys.recordingFrames(taskId));
    await blobs.delete(blobKeys.recordingManifest(taskId));
    return true;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function unpackFrames(packPath: string, frames: readonly PackedFrame[], directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const pack = await open(packPath, 'r');
  try {
    for (const frame of frames) {
      const bytes = Buffer.alloc(frame.bytes);
      await pack.read(bytes, 0, frame.bytes, frame.offset);
      await writeFile(join(directory, frame.fileName), bytes);
    }
  } finally {
    await pack.close();
  }
}
