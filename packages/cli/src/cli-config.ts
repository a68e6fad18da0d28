import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultBaseUrl } from '@open-smooth/sdk';

/** What `smooth config` stores. */
export interface CliConfig {
  apiKey?: string;
  baseUrl?: string;
}

/** ~/.config/open-smooth/config.json, or config.json under SMOOTH_CONFIG_DIR. */
export function configFilePath(environment: NodeJS.ProcessEnv = process.env): string {
  const directory = environment.SMOOTH_CONFIG_DIR || join(environment.XDG_CONFIG_HOME || join(homedir(), '.config'), 'open-smooth');
  return join(directory, 'config.json');
}

export async function readCliConfig(path = configFilePath()): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const stored = JSON.parse(text) as { api_key?: unknown; base_url?: unknown };
    return {
      ...(typeof stored.api_key === 'string' ? { apiKey: stored.api_key } : {}),
      ...(typeof stored.base_url === 'string' ? { baseUrl: stored.base_url } : {}),
    };
  } catch {
    throw new Error(`The config file ${path} is not valid JSON; fix or delete it.`);
  }
}

/** Merges `changes` into the stored config; the file holds a key, so only its owner may read it. */
export async function updateCliConfig(changes: CliConfig, path = configFilePath()): Promise<CliConfig> {
  const merged = { ...(await readCliConfig(path)), ...changes };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const stored = { ...(merged.apiKey ? { api_key: merged.apiKey } : {}), ...(merged.baseUrl ? { base_url: merged.baseUrl } : {}) };
  await writeFile(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return merged;
}

export interface ConnectionFlags {
  apiKey?: string;
  baseUrl?: string;
}

export interface Connection {
  apiKey: string | undefined;
  baseUrl: string;
}

/** Flags first, then SMOOTH_API_KEY / SMOOTH_BASE_URL (and CIRCLEMIND_API_KEY), then `smooth config`. */
export async function resolveConnection(flags: ConnectionFlags, environment: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const config = await readCliConfig(configFilePath(environment));
  return {
    apiKey: flags.apiKey || environment.SMOOTH_API_KEY || environment.CIRCLEMIND_API_KEY || config.apiKey,
    baseUrl: flags.baseUrl || environment.SMOOTH_BASE_URL || config.baseUrl || defaultBaseUrl,
  };
}

/** Shows enough of a key to recognise it, not enough to use it. */
export function maskApiKey(apiKey: string | undefined): string | null {
  if (!apiKey) return null;
  return apiKey.length <= 8 ? '*'.repeat(apiKey.length) : `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`;
}
