import { createHash, randomBytes } from 'node:crypto';
import type { ResourceStore } from './store/resource-store.js';

export class MissingApiKeysError extends Error {
  override readonly name = 'MissingApiKeysError';
}

/** A tenant is named by a hash of its key, so rows never hold the key itself. */
export function tenantOfApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
}

export function parseApiKeyList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}

/**
 * Keys from the options, else SMOOTH_API_KEYS, else the ones stored in the database, else (one
 * process on its own, `mayGenerate`) one generated now and stored so it survives restarts. Processes
 * of a deployment do not generate one: two starting at once would each make their own.
 */
export async function resolveApiKeys(configured: string[] | undefined, environment: NodeJS.ProcessEnv, resources: ResourceStore, mayGenerate = true): Promise<string[]> {
  if (configured && configured.length > 0) return configured;
  const fromEnvironment = parseApiKeyList(environment.SMOOTH_API_KEYS);
  if (fromEnvironment.length > 0) return fromEnvironment;
  const stored = await resources.listApiKeys();
  if (stored.length > 0) return stored;
  if (!mayGenerate) throw new MissingApiKeysError('the processes of a deployment need their API keys given: set SMOOTH_API_KEYS=key1,key2 (the same in every process)');
  const generated = `sk_local_${randomBytes(24).toString('base64url')}`;
  await resources.addApiKey(generated);
  return [generated];
}
