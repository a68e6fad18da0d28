export { runCli, commands, generalHelp } from './main.js';
export type { CliCommand, CommandContext } from './cli-command.js';
export { configFilePath, readCliConfig, resolveConnection, updateCliConfig } from './cli-config.js';
export type { CliConfig, Connection } from './cli-config.js';
export { UsageError } from './cli-errors.js';
