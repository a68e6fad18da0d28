import { parseArgs } from 'node:util';
import { commonOptions, createClient, type CliCommand, type OptionValues } from './cli-command.js';
import { UsageError } from './cli-errors.js';
import { CliOutput } from './cli-output.js';
import { configCommand } from './commands/config-command.js';
import { deleteFileCommand, uploadFileCommand } from './commands/file-commands.js';
import { createProfileCommand, deleteProfileCommand, listProfilesCommand } from './commands/profile-commands.js';
import { runTaskCommand } from './commands/run-task-command.js';
import { serveCommand } from './commands/serve-command.js';
import {
  closeSessionCommand,
  evaluateJsCommand,
  extractCommand,
  gotoCommand,
  runCommand,
  startSessionCommand,
} from './commands/session-commands.js';
import { downloadsCommand, liveViewCommand, recordingUrlCommand } from './commands/task-url-commands.js';

export const commands: readonly CliCommand[] = [
  runTaskCommand,
  serveCommand,
  configCommand,
  createProfileCommand,
  listProfilesCommand,
  deleteProfileCommand,
  uploadFileCommand,
  deleteFileCommand,
  startSessionCommand,
  closeSessionCommand,
  runCommand,
  gotoCommand,
  extractCommand,
  evaluateJsCommand,
  liveViewCommand,
  downloadsCommand,
  recordingUrlCommand,
];

export function generalHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  const line = (name: string, summary: string): string => `  ${name.padEnd(width)}${summary}`;
  return [
    'Usage: smooth <command> [arguments] [--json] [--api-key KEY] [--base-url URL]',
    '',
    'Commands:',
    ...commands.map((command) => line(command.name, command.summary)),
    '',
    'The API key and base URL come from --api-key/--base-url, SMOOTH_API_KEY/SMOOTH_BASE_URL, or `smooth config`.',
    'Every command takes --json for machine-readable output. Run `smooth <command> --help` for its flags.',
  ].join('\n');
}

/** Runs the `smooth` command line; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [commandName, ...rest] = argv;
  if (!commandName || commandName === '--help' || commandName === '-h' || commandName === 'help') {
    process.stdout.write(`${generalHelp()}\n`);
    return commandName ? 0 : 1;
  }
  const command = commands.find((candidate) => candidate.name === commandName);
  const output = new CliOutput(rest.includes('--json'));
  if (!command) {
    return output.error(new UsageError(`Unknown command "${commandName}". Run \`smooth --help\` for the list.`));
  }
  try {
    const { values, positionals } = parseCommandArguments(command, rest);
    if (values.help) {
      process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}.\nCommon flags: --json --api-key KEY --base-url URL\n`);
      return 0;
    }
    return await command.run({ positionals, values, output, client: () => createClient(values) });
  } catch (error) {
    return output.error(error);
  }
}

function parseCommandArguments(command: CliCommand, argv: string[]): { values: OptionValues; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...commonOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nUsage: ${command.usage}`);
  }
  const values = parsed.values as OptionValues;
  const expected = command.positionals ?? [];
  if (!values.help) {
    const missing = expected.slice(parsed.positionals.length);
    if (missing.length) throw new UsageError(`Missing <${missing.join('>, <')}>\nUsage: ${command.usage}`);
    if (parsed.positionals.length > expected.length && !command.variadic) {
      throw new UsageError(`Unexpected argument "${parsed.positionals[expected.length]}" (quote a task that has spaces)\nUsage: ${command.usage}`);
    }
  }
  return { values, positionals: parsed.positionals };
}
