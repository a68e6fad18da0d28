import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { blobKeys } from '../blobs/blob-keys.js';
import { BadRequestError, HttpError, NotFoundError, PayloadTooLargeError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import { extensionToWire } from '../wire-format.js';
import { unpackUploadedExtension } from './unpack-uploaded-extension.js';
import { errorMessage } from '@open-smooth/protocol';

export const uploadLimits = { fileBytes: 50 * 1024 * 1024, extensionBytes: 20 * 1024 * 1024, purposeCharacters: 64 };

/** A file received to disk: nothing of it is held in memory beyond the stream's own buffers. */
interface Upload {
  fileName: string;
  path: string;
  bytes: number;
  fields: Record<string, string>;
}

/** A safe file name: no directories, no control characters, not empty. */
function cleanFileName(name: string | undefined): string {
  const cleaned = basename((name ?? '').replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (!cleaned || cleaned === '.' || cleaned === '..') throw new BadRequestError('the uploaded file needs a file name');
  if (cleaned.length > 255) throw new BadRequestError('file names are at most 255 characters');
  return cleaned;
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

/** Size limits keep their own status; anything else the multipart parser rejects is bad input. */
function asClientError(error: unknown, maxBytes: number): unknown {
  if (error instanceof HttpError) return error;
  if ((error as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return error;
  const message = errorMessage(error);
  if (message === 'Premature close') return new BadRequestError('malformed multipart body: it ended before the file part did');
  return new BadRequestError(`malformed multipart body: ${message}`);
}

const tooLarge = (maxBytes: number) => new PayloadTooLargeError(`the file is larger than the cap of ${mebibytes(maxBytes)} (${maxBytes} bytes); send a smaller one`);

/**
 * Streams a multipart body with exactly one part named `file` into `directory` (created here),
 * plus small text fields. The caller removes the directory.
 */
async function receiveUpload(request: FastifyRequest, maxBytes: number, directory: string): Promise<Upload> {
  if (!request.isMultipart()) throw new BadRequestError('send the file as multipart/form-data with a part named "file"');
  try {
    return await receiveParts(request, maxBytes, directory);
  } catch (error) {
    throw asClientError(error, maxBytes);
  }
}

/**
 * Copies the part to `path` chunk by chunk, waiting for the disk when it falls behind, so the
 * upload never sits in memory. (Reading the part with for-await, as the multipart parser
 * expects: its errors then surface here.)
 */
async function writeToFile(source: AsyncIterable<Buffer>, path: string): Promise<number> {
  const file = createWriteStream(path, { flags: 'wx' });
  const failed = new Promise<never>((_resolve, reject) => file.once('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  try {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
    }
    file.end();
    await Promise.race([once(file, 'finish'), failed]);
    return bytes;
  } finally {
    if (!file.writableFinished) file.destroy();
  }
}

/**
 * Reads a refused part to its end without keeping it. The request is answered with the refusal,
 * so a body cut short afterwards is expected, not a failure: its stream error is dropped here
 * rather than left unhandled (which would end the process).
 */
function discard(stream: NodeJS.ReadableStream): void {
  stream.on('error', () => undefined);
  stream.resume();
}

/**
 * Every file part's stream gets an error listener the moment the parser makes it. A body that
 * arrived whole before the handler ran (a slow auth hook, a busy process) is parsed in one go: a
 * part cut short then fails before the loop below has been handed that part, and a stream error
 * nobody hears ends the process. The multipart plugin pipes the raw request into its parser
 * (busboy), whose 'file' event is where the stream is born.
 */
function hearEveryFilePartError(request: FastifyRequest): void {
  const raw = request.raw;
  const pipe = raw.pipe.bind(raw);
  raw.pipe = <Destination extends NodeJS.WritableStream>(destination: Destination, options?: { end?: boolean }): Destination => {
    (destination as unknown as NodeJS.EventEmitter).on('file', (_name: string, stream: NodeJS.ReadableStream) => stream.on('error', () => undefined));
    return pipe(destination, options);
  };
}

async function receiveParts(request: FastifyRequest, maxBytes: number, directory: string): Promise<Upload> {
  let upload: { fileName: string; path: string; bytes: number } | undefined;
  const fields: Record<string, string> = {};
  hearEveryFilePartError(request);
  for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 2, fields: 8, fieldSize: 4096 } })) {
    if (part.type === 'file') {
      // The stream may fail after this part is refused or written (a body cut short): the
      // request is answered either way, and an unheard stream error would end the process.
      part.file.on('error', () => undefined);
      if (part.fieldname !== 'file') {
        discard(part.file);
        throw new BadRequestError(`unexpected file part "${part.fieldname}"; the file goes in a part named "file"`);
      }
      if (upload) {
        discard(part.file);
        throw new BadRequestError('send one file per request');
      }
      let fileName: string;
      try {
        fileName = cleanFileName(part.filename);
      } catch (error) {
        discard(part.file);
        throw error;
      }
      const path = join(directory, fileName);
      // Created only now: the parts must be read from the first tick, or the parser misreads the body.
      await mkdir(directory, { recursive: true });
      const bytes = await writeToFile(part.file, path);
      if (part.file.truncated) throw tooLarge(maxBytes);
      upload = { fileName, path, bytes };
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!upload) throw new BadRequestError('the multipart body has no part named "file"');
  return { ...upload, fields };
}

const zipSignature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function startsWith(path: string, signature: Buffer): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(signature.length);
    const { bytesRead } = await file.read(head, 0, signature.length, 0);
    return bytesRead === signature.length && head.equals(signature);
  } finally {
    await file.close();
  }
}

export function registerUploadRoutes(app: FastifyInstance, context: ServerContext, limits: { fileBytes: number } = { fileBytes: uploadLimits.fileBytes }): void {
  /** An upload lands in this process's scratch folder first (its size and type are checked there), then goes to the blob store. */
  const scratchOf = (id: string) => join(context.workDirectory, 'uploads', id);

  app.post('/file', async (request) => {
    const id = `file_${randomBytes(12).toString('hex')}`;
    const directory = scratchOf(id);
    try {
      const upload = await receiveUpload(request, limits.fileBytes, directory);
      const purpose = upload.fields.file_purpose ?? null;
      if (purpose !== null && purpose.length > uploadLimits.purposeCharacters) throw new BadRequestError(`file_purpose is at most ${uploadLimits.purposeCharacters} characters`);
      if (upload.bytes === 0) throw new BadRequestError('the uploaded file is empty');
      const blobKey = blobKeys.file(id, upload.fileName);
      await context.blobs.putFile(blobKey, upload.path, { move: true });
      await context.resources.addFile({ id, tenant: request.tenant, fileName: upload.fileName, purpose, blobKey, bytes: upload.bytes, createdAtMs: Date.now() });
      return { r: { id } };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  app.delete('/file/:file_id', async (request) => {
    const { file_id } = parseWire(z.object({ file_id: z.string() }), request.params, 'file id');
    const file = await context.resources.getFile(request.tenant, file_id);
    if (!file || !(await context.resources.deleteFile(request.tenant, file_id))) throw new NotFoundError(`file not found: ${file_id}`);
    await context.blobs.deletePrefix(blobKeys.fileFolder(file.id));
    return { r: true };
  });

  const uploadExtension = async (request: FastifyRequest) => {
    const id = `ext_${randomBytes(12).toString('hex')}`;
    const directory = scratchOf(id);
    try {
      const upload = await receiveUpload(request, uploadLimits.extensionBytes, directory);
      if (!upload.fileName.toLowerCase().endsWith('.zip') || !(await startsWith(upload.path, zipSignature))) {
        throw new BadRequestError('extensions are uploaded as .zip files');
      }
      // Unpacked here only to check it: a task's worker unpacks its own copy when it launches the browser.
      await unpackUploadedExtension(upload.path);
      const blobKey = blobKeys.extension(id, upload.fileName);
      await context.blobs.putFile(blobKey, upload.path, { move: true });
      await context.resources.addExtension({ id, tenant: request.tenant, fileName: upload.fileName, blobKey, createdAtMs: Date.now() });
      return { r: { id } };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  };
  const listExtensions = async (request: FastifyRequest) => ({ r: (await context.resources.listExtensions(request.tenant)).map(extensionToWire) });
  const deleteExtension = async (request: FastifyRequest) => {
    const { extension_id } = parseWire(z.object({ extension_id: z.string() }), request.params, 'extension id');
    const extension = await context.resources.getExtension(request.tenant, extension_id);
    if (!extension || !(await context.resources.deleteExtension(request.tenant, extension_id))) throw new NotFoundError(`extension not found: ${extension_id}`);
    await context.blobs.deletePrefix(blobKeys.extensionFolder(extension.id));
    return { r: true };
  };

  // Both spellings are in use by smooth.sh's clients.
  for (const prefix of ['', '/browser']) {
    app.post(`${prefix}/extension`, uploadExtension);
    app.get(`${prefix}/extension`, listExtensions);
    app.delete(`${prefix}/extension/:extension_id`, deleteExtension);
  }
}
