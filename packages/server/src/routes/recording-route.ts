import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';

class RangeNotSatisfiableError extends HttpError {
  constructor(size: number) {
    super(416, `the range asked for is outside the video (${size} bytes)`);
  }
}

/** The byte range of `Range: bytes=a-b` (one range; a browser's video player asks for one). */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') throw new RangeNotSatisfiableError(size);
  // "bytes=-N" is the last N bytes.
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start > end || start >= size) throw new RangeNotSatisfiableError(size);
  return { start, end };
}

/** GET /recordings/{token}/recording.mp4: the task's video, with range requests (seeking in a player). */
export function registerRecordingRoute(app: FastifyInstance, context: ServerContext): void {
  app.get('/recordings/:token/recording.mp4', async (request, reply) => {
    const { token } = parseWire(z.object({ token: z.string().min(1).max(200) }), request.params, 'token');
    const task = await context.taskStore.getTaskByDownloadsToken(token);
    if (!task || task.recording !== 'ready') throw new NotFoundError('no recording here');
    // The first request encodes the video (a task whose video nobody watches never runs ffmpeg).
    const key = await context.tasks.recordingVideo(task.id);
    const size = key === undefined ? undefined : (await context.blobs.stat(key))?.bytes;
    if (key === undefined || size === undefined) throw new NotFoundError('no recording here');
    reply.type('video/mp4').header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600');
    const rangeHeader = request.headers.range;
    const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
    if (!range) return reply.header('content-length', size).send(await context.blobs.get(key));
    return reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1)
      .send(await context.blobs.get(key, range));
  });
}
