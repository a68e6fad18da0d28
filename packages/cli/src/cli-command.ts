import type { ParseArgsConfig } from 'node:util';
import { SmoothClient } from '@open-smooth/sdk';
import { resolveConnection } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import type { CliOutput } from './cli-output.js';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command gets once its arguments are parsed. */
export interface CommandContext {
  positionals: string[];
  values: OptionValues;
  output: CliOutput;
  /** A client built from --api-key/--base-url, the environment or `smooth config`. */
  client(): Promise<SmoothClient>;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** One line: arguments and flags. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names of required positional arguments, in order. */
  positionals?: string[];
  /** The last positional takes every remaining argument (a task given as several words). */
  variadic?: boolean;
  run(context: CommandContext): Promise<number>;
}

/** Flags every command accepts. */
export const commonOptions = {
  json: { type: 'boolean' },
  'api-key': { type: 'string' },
  'base-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export async function createClient(values: OptionValues): Promise<SmoothClient> {
  const connection = await resolveConnection({ apiKey: stringOption(values, 'api-key'), baseUrl: stringOption(values, 'base-url') });
  if (!connection.apiKey) {
    throw new UsageError('No API key: pass --api-key, set SMOOTH_API_KEY, or run `smooth config --api-key <key>` (`smooth serve` prints one).');
  }
  return new SmoothClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(values: OptionValues, name: string): number | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  return Number(value);
}

/**
 * An on/off setting given by flags: true when one of `on` is set, false for `off`, undefined for
 * neither (the server's default applies); both at once is a usage error.
 */
export function switchOption(values: OptionValues, on: readonly string[], off: string): boolean | undefined {
  const given = on.filter((name) => values[name] === true);
  if (given.length > 0 && values[off] === true) throw new UsageError(`--${given[0]} and --${off} contradict each other: give one`);
  if (given.length > 0) return true;
  return values[off] === true ? false : undefined;
}

/** The flags of the stealth and adblock switches, named as the API's fields too (use_stealth, its older name stealth_mode, use_adblock). */
export const browserSwitchFlags = {
  stealth: { on: ['stealth', 'use-stealth', 'stealth-mode'], off: 'no-stealth' },
  adblock: { on: ['adblock', 'use-adblock'], off: 'no-adblock' },
} as const;

export const browserSwitchOptions = {
  stealth: { type: 'boolean' },
  'use-stealth': { type: 'boolean' },
  'stealth-mode': { type: 'boolean' },
  'no-stealth': { type: 'boolean' },
  adblock: { type: 'boolean' },
  'use-adblock': { type: 'boolean' },
  'no-adblock': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const browserSwitchUsage = '[--stealth|--no-stealth] [--adblock|--no-adblock]';

/** The stealth and adblock settings the flags ask for; undefined where the server's default (on) applies. */
export function browserSwitches(values: OptionValues): { stealth?: boolean; adblock?: boolean } {
  const stealth = switchOption(values, browserSwitchFlags.stealth.on, browserSwitchFlags.stealth.off);
  const adblock = switchOption(values, browserSwitchFlags.adblock.on, browserSwitchFlags.adblock.off);
  return { ...(stealth !== undefined ? { stealth } : {}), ...(adblock !== undefined ? { adblock } : {}) };
}

/** A list flag given as `a,b`, repeated, or both. */
export function listOption(values: OptionValues, name: string): string[] | undefined {
  const value = values[name];
  const parts = (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).flatMap((item) => item.split(','));
  const items = parts.map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

export function requirePositional(context: CommandContext, index: number, name: string): string {
  const value = context.positionals[index];
  if (value === undefined || value === '') throw new UsageError(`Missing <${name}>`);
  return value;
}
