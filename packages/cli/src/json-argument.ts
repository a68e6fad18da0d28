import { readFile } from 'node:fs/promises';
import { UsageError } from './cli-errors.js';

/** Parses a flag that takes JSON inline or the path of a JSON file (`--schema schema.json`). */
export async function readJsonArgument(flag: string, value: string): Promise<unknown> {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(flag, trimmed);
  let text: string;
  try {
    text = await readFile(trimmed, 'utf8');
  } catch {
    return parseJson(flag, trimmed);
  }
  return parseJson(flag, text);
}

/** Like readJsonArgument, for flags that must hold a JSON object. */
export async function readJsonObjectArgument(flag: string, value: string): Promise<Record<string, unknown>> {
  const parsed = await readJsonArgument(flag, value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${flag} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Invalid JSON for ${flag}: ${(error as Error).message}`);
  }
}
