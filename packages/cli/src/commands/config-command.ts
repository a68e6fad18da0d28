import { stringOption, type CliCommand } from '../cli-command.js';
import { configFilePath, maskApiKey, resolveConnection, updateCliConfig } from '../cli-config.js';

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'Store the API key and base URL other commands use, or show them',
  usage: 'smooth config [--api-key KEY] [--base-url URL] [--show]',
  options: { show: { type: 'boolean' } },
  async run({ values, output }) {
    const path = configFilePath();
    const apiKey = stringOption(values, 'api-key');
    const baseUrl = stringOption(values, 'base-url');
    const changed = apiKey !== undefined || baseUrl !== undefined;
    if (changed) await updateCliConfig({ ...(apiKey !== undefined ? { apiKey } : {}), ...(baseUrl !== undefined ? { baseUrl } : {}) }, path);
    // What commands will actually use: flags were consumed above, so resolve from env and file.
    const connection = await resolveConnection({});
    const shown = { api_key: maskApiKey(connection.apiKey), base_url: connection.baseUrl };
    output.result(
      changed ? 'Configuration saved' : 'Configuration',
      // config_file and config: the official CLI's keys; the rest for programs that want them flat.
      { config_file: path, config: shown, config_path: path, ...shown, saved: changed },
      [
        ...(changed ? [`Saved to ${path}`] : []),
        `Config file: ${path}`,
        `API key:     ${maskApiKey(connection.apiKey) ?? '(not set)'}`,
        `Base URL:    ${connection.baseUrl}`,
      ],
    );
    return 0;
  },
};
