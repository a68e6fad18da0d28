import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlobStore } from './blob-store.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';

export class InvalidBlobUrlError extends Error {
  override readonly name = 'InvalidBlobUrlError';
}

const s3Parameters = new Set(['endpoint', 'region', 'force_path_style']);

/**
 * Reads a blob URL: empty = files under the data directory; `file:///absolute/folder`; or
 * `s3://bucket[/key-prefix]?endpoint=http://host:port&region=eu-west-1&force_path_style=true`
 * (endpoint for S3-compatible servers; path style defaults to on with an endpoint). S3
 * credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) in
 * `environment`, else the SDK's usual chain; the region defaults to AWS_REGION, then us-east-1.
 */
export function parseBlobUrl(url: string, environment: NodeJS.ProcessEnv = process.env): { kind: 'filesystem'; root: string } | ({ kind: 's3' } & S3BlobStoreOptions) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidBlobUrlError(`blob URL ${JSON.stringify(url)} is not a URL; use s3://bucket?endpoint=…&region=… or file:///absolute/folder`);
  }
  if (parsed.protocol === 'file:') {
    const root = fileURLToPath(parsed);
    if (!isAbsolute(root) || parsed.search !== '') throw new InvalidBlobUrlError(`a file blob URL is file:///absolute/folder without parameters, not ${url}`);
    return { kind: 'filesystem', root };
  }
  if (parsed.protocol !== 's3:') throw new InvalidBlobUrlError(`blob URL scheme ${parsed.protocol} is not supported; use s3:// or file://`);
  if (parsed.username || parsed.password) throw new InvalidBlobUrlError('put no credentials in the blob URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  const bucket = parsed.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new InvalidBlobUrlError(`the blob URL needs a bucket name (3-63 lowercase letters, digits, '.', '-') as its host: ${url}`);
  for (const name of parsed.searchParams.keys()) {
    if (!s3Parameters.has(name)) throw new InvalidBlobUrlError(`unknown blob URL parameter ${name}; the known ones are ${[...s3Parameters].join(', ')}`);
  }
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw new InvalidBlobUrlError(`endpoint must be http(s)://host[:port], not ${endpoint}`);
  const pathStyle = parsed.searchParams.get('force_path_style');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') throw new InvalidBlobUrlError(`force_path_style is true or false, not ${pathStyle}`);
  const keyPrefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  const accessKeyId = environment.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = environment.AWS_SECRET_ACCESS_KEY?.trim();
  const sessionToken = environment.AWS_SESSION_TOKEN?.trim();
  return {
    kind: 's3',
    bucket,
    ...(keyPrefix ? { keyPrefix } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: parsed.searchParams.get('region') || environment.AWS_REGION?.trim() || environment.AWS_DEFAULT_REGION?.trim() || 'us-east-1',
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

/** The blob store a server uses: `url` (the --blob-url flag), else SMOOTH_BLOB_URL, else files under the data directory. */
export async function openBlobStore(url: string | undefined, dataDirectory: string, environment: NodeJS.ProcessEnv = process.env): Promise<BlobStore> {
  const chosen = url?.trim() || environment.SMOOTH_BLOB_URL?.trim();
  if (!chosen) return new FilesystemBlobStore(dataDirectory);
  const parsed = parseBlobUrl(chosen, environment);
  if (parsed.kind === 'filesystem') return new FilesystemBlobStore(parsed.root);
  const { kind: _kind, ...options } = parsed;
  return S3BlobStore.connect(options);
}
