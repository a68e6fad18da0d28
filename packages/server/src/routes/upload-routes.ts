import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequestError, HttpError, NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';
import { extensionToWire } from '../wire-format.js';
import { unpackUploadedExtension } from './unpack-uploaded-extension.js';

export const uploadLimits = { fileBytes: 50 * 1024 * 1024, extensionBytes: 20 * 1024 * 1024, purposeCharacters: 64 };

interface Upload {
  fileName: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

/** A safe file name: no directories, no control characters, not empty. */
function cleanFileName(name: string | undefined): string {
  const cleaned = basename((name ?? '').replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (!cleaned || cleaned === '.' || cleaned === '..') throw new BadRequestError('the uploaded file needs a file name');
  if (cleaned.length > 255) throw new BadRequestError('file names are at most 255 characters');
  return cleaned;
}

/** Size limits keep their own status; anything else the multipart parser rejects is bad input. */
function asClientError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return error;
  return new BadRequestError(`malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
}

/** Reads a multipart body with exactly one part named `file`, plus small text fields. */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart()) throw new BadRequestError('send the file as multipart/form-data with a part named "file"');
  try {
    return await readParts(request, maxBytes);
  } catch (error) {
    throw asClientError(error);
  }
}

async function readParts(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  let upload: { fileName: string; bytes: Buffer } | undefined;
  const fields: Record<string, string> = {};
  for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 2, fields: 8, fieldSize: 4096 } })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        await part.toBuffer();
        throw new BadRequestError(`unexpected file part "${part.fieldname}"; the file goes in a part named "file"`);
      }
      if (upload) throw new BadRequestError('send one file per request');
      upload = { fileName: cleanFileName(part.filename), bytes: await part.toBuffer() };
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!upload) throw new BadRequestError('the multipart body has no part named "file"');
  return { ...upload, fields };
}

const zipSignature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export function registerUploadRoutes(app: FastifyInstance, context: ServerContext): void {
  app.post('/file', async (request) => {
    const upload = await readUpload(request, uploadLimits.fileBytes);
    const purpose = upload.fields.file_purpose ?? null;
    if (purpose !== null && purpose.length > uploadLimits.purposeCharacters) {
      throw new BadRequestError(`file_purpose is at most ${uploadLimits.purposeCharacters} characters`);
    }
    if (upload.bytes.length === 0) throw new BadRequestError('the uploaded file is empty');
    const id = `file_${randomBytes(12).toString('hex')}`;
    const path = join(context.dataDirectory, 'files', id, upload.fileName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, upload.bytes);
    context.resources.addFile({ id, tenant: request.tenant, fileName: upload.fileName, purpose, path, bytes: upload.bytes.length, createdAtMs: Date.now() });
    return { r: { id } };
  });

  app.delete('/file/:file_id', async (request) => {
    const { file_id } = parseWire(z.object({ file_id: z.string() }), request.params, 'file id');
    const file = context.resources.getFile(request.tenant, file_id);
    if (!file || !context.resources.deleteFile(request.tenant, file_id)) throw new NotFoundError(`file not found: ${file_id}`);
    await rm(dirname(file.path), { recursive: true, force: true });
    return { r: true };
  });

  const uploadExtension = async (request: FastifyRequest) => {
    const upload = await readUpload(request, uploadLimits.extensionBytes);
    if (!upload.fileName.toLowerCase().endsWith('.zip') || !upload.bytes.subarray(0, 4).equals(zipSignature)) {
      throw new BadRequestError('extensions are uploaded as .zip files');
    }
    const id = `ext_${randomBytes(12).toString('hex')}`;
    const path = join(context.dataDirectory, 'extensions', id, upload.fileName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, upload.bytes);
    await unpackUploadedExtension(path);
    context.resources.addExtension({ id, tenant: request.tenant, fileName: upload.fileName, path, createdAtMs: Date.now() });
    return { r: { id } };
  };
  const listExtensions = async (request: FastifyRequest) => ({ r: context.resources.listExtensions(request.tenant).map(extensionToWire) });
  const deleteExtension = async (request: FastifyRequest) => {
    const { extension_id } = parseWire(z.object({ extension_id: z.string() }), request.params, 'extension id');
    const extension = context.resources.getExtension(request.tenant, extension_id);
    if (!extension || !context.resources.deleteExtension(request.tenant, extension_id)) throw new NotFoundError(`extension not found: ${extension_id}`);
    await rm(dirname(extension.path), { recursive: true, force: true });
    return { r: true };
  };

  // Both spellings are in use by smooth.sh's clients.
  for (const prefix of ['', '/browser']) {
    app.post(`${prefix}/extension`, uploadExtension);
    app.get(`${prefix}/extension`, listExtensions);
    app.delete(`${prefix}/extension/:extension_id`, deleteExtension);
  }
}
