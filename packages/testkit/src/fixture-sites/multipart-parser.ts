export interface MultipartPart {
  /** The form field name. */
  name: string;
  /** Present for file fields (empty string when no file was chosen). */
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartParseError';
  }
}

export function boundaryFromContentType(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) throw new MultipartParseError('not a multipart/form-data request');
  return boundary;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const separator = line.indexOf(':');
    if (separator > 0) headers.set(line.slice(0, separator).trim().toLowerCase(), line.slice(separator + 1).trim());
  }
  return headers;
}

function dispositionParameter(disposition: string, parameter: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${parameter}="([^"]*)"`, 'i').exec(disposition);
  return match?.[1];
}

function parsePart(raw: Buffer): MultipartPart {
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) throw new MultipartParseError('part without a header block');
  const headers = parseHeaders(raw.subarray(0, headerEnd).toString('utf8'));
  const disposition = headers.get('content-disposition') ?? '';
  const name = dispositionParameter(disposition, 'name');
  if (name === undefined) throw new MultipartParseError('part without a field name');
  const part: MultipartPart = { name, data: raw.subarray(headerEnd + 4) };
  const fileName = dispositionParameter(disposition, 'filename');
  if (fileName !== undefined) part.fileName = fileName;
  const contentType = headers.get('content-type');
  if (contentType !== undefined) part.contentType = contentType;
  return part;
}

/** Splits a multipart/form-data body (RFC 7578) into its parts; file bytes are returned untouched. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position < 0) throw new MultipartParseError('boundary not found in body');
  position += delimiter.length;
  const parts: MultipartPart[] = [];
  for (;;) {
    if (body.subarray(position, position + 2).toString('latin1') === '--') return parts;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') throw new MultipartParseError('malformed boundary line');
    const start = position + 2;
    const end = body.indexOf(separator, start);
    if (end < 0) throw new MultipartParseError('missing closing boundary');
    parts.push(parsePart(body.subarray(start, end)));
    position = end + separator.length;
  }
}
